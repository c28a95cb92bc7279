//! The platform module: municipalities, authentication, users, API keys, module switches, audit.
//! Always registered; it cannot be switched off.

mod auth;
pub mod codes;
mod dto;
mod keys;
mod municipalities;
pub(crate) mod ops;
mod repo;
mod seed;
mod users;

pub use auth::{LoginLimiter, LoginLimits};

use retning_kernel::auth::Permission;
use retning_kernel::Module;
use utoipa_actix_web::service_config::ServiceConfig;

pub const NAME: &str = "platform";

pub mod perm {
    use super::Permission;
    pub const MUNICIPALITY_MANAGE: Permission = Permission::operator(
        "platform.municipality.manage",
        "create and update municipalities",
    );
    pub const MODULE_SWITCH: Permission = Permission::operator(
        "platform.module.switch",
        "switch a module on or off for a municipality",
    );
    pub const USER_MANAGE: Permission = Permission::admin(
        "platform.user.manage",
        "list, create and change the municipality's users",
    )
    .and_operator();
    pub const KEY_MANAGE: Permission = Permission::admin(
        "platform.api_key.manage",
        "create, list and revoke the municipality's API keys",
    );
    pub const AUDIT_READ: Permission =
        Permission::admin("platform.audit.read", "read the municipality's audit log");
}

pub struct PlatformModule;

impl Module for PlatformModule {
    fn name(&self) -> &'static str {
        NAME
    }
    fn switchable(&self) -> bool {
        false
    }
    fn permissions(&self) -> &'static [Permission] {
        &[
            perm::MUNICIPALITY_MANAGE,
            perm::MODULE_SWITCH,
            perm::USER_MANAGE,
            perm::KEY_MANAGE,
            perm::AUDIT_READ,
        ]
    }
    fn seed(
        &self,
        conn: &mut retning_kernel::DbConnection,
        ctx: &retning_kernel::module::SeedContext<'_>,
    ) -> Result<(), String> {
        seed::seed_municipalities(conn, ctx.files)
    }
    fn problem_codes(&self) -> &'static [&'static str] {
        codes::ALL
    }
    fn configure(&self, cfg: &mut ServiceConfig) {
        cfg.service(municipalities::list)
            .service(municipalities::get)
            .service(municipalities::create)
            .service(municipalities::update)
            .service(municipalities::list_modules)
            .service(municipalities::switch_module)
            .service(municipalities::audit_log)
            .service(auth::login)
            .service(auth::me)
            .service(users::list)
            .service(users::create)
            .service(users::update)
            .service(keys::list)
            .service(keys::create)
            .service(keys::revoke);
    }
}
