//! The platform's SQL: users, API keys, municipalities and their module switches. Routes call
//! these; nothing else in the platform builds a query.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use retning_kernel::auth::{KeyScope, Role, UserRow};
use retning_kernel::schema::{api_keys, disabled_modules, municipalities, users};
use retning_kernel::tenancy::Municipality;
use retning_kernel::DbConnection;

// ---------------------------------------------------------------------------------------------
// Users

/// The user signing in, with their municipality's slug (the transaction is scoped to the
/// platform: the username names its municipality only once found).
pub fn user_for_login(
    conn: &mut DbConnection,
    username: &str,
) -> QueryResult<Option<(UserRow, Option<String>)>> {
    users::table
        .left_join(municipalities::table)
        .filter(users::username.eq(username))
        .select((UserRow::as_select(), municipalities::slug.nullable()))
        .first(conn)
        .optional()
}

/// Whether the municipality has an admin who is not disabled.
pub fn has_enabled_admin(conn: &mut DbConnection, municipality_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table
            .filter(users::municipality_id.eq(municipality_id))
            .filter(users::role.eq(Role::Admin))
            .filter(users::disabled_at.is_null()),
    ))
    .get_result(conn)
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUserRow<'a> {
    municipality_id: Option<i64>,
    username: &'a str,
    password_hash: &'a str,
    role: Role,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

pub fn insert_user(
    conn: &mut DbConnection,
    municipality_id: Option<i64>,
    username: &str,
    password_hash: &str,
    role: Role,
) -> QueryResult<UserRow> {
    let now = retning_kernel::now();
    diesel::insert_into(users::table)
        .values(NewUserRow {
            municipality_id,
            username,
            password_hash,
            role,
            created_at: now,
            updated_at: now,
        })
        .returning(users::all_columns)
        .get_result(conn)
}

/// A page of the municipality's users by username, and their number.
pub fn users_page(
    conn: &mut DbConnection,
    municipality_id: i64,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<UserRow>, i64)> {
    let q = users::table.filter(users::municipality_id.eq(municipality_id));
    let rows = q
        .select(UserRow::as_select())
        .order(users::username.asc())
        .limit(limit + 1)
        .offset(offset)
        .load(conn)?;
    let total = q.count().get_result(conn)?;
    Ok((rows, total))
}

pub fn user(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::id.eq(id))
        .filter(users::municipality_id.eq(municipality_id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// The user's new state, written whole.
#[derive(AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserChange<'a> {
    pub role: Role,
    pub password_hash: &'a str,
    pub disabled_at: Option<NaiveDateTime>,
    pub token_version: i64,
}

pub fn update_user(
    conn: &mut DbConnection,
    id: i64,
    change: &UserChange<'_>,
) -> QueryResult<UserRow> {
    diesel::update(users::table.find(id))
        .set((change, users::updated_at.eq(retning_kernel::now())))
        .returning(users::all_columns)
        .get_result(conn)
}

// ---------------------------------------------------------------------------------------------
// API keys

/// An API key without its hash.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct KeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scope: KeyScope,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// [`KeyRow`]'s columns, for `RETURNING` (diesel's `as_returning` does not reach through the
/// multi-backend connection).
const KEY_COLUMNS: (
    api_keys::id,
    api_keys::name,
    api_keys::prefix,
    api_keys::scope,
    api_keys::created_by,
    api_keys::created_at,
    api_keys::revoked_at,
) = (
    api_keys::id,
    api_keys::name,
    api_keys::prefix,
    api_keys::scope,
    api_keys::created_by,
    api_keys::created_at,
    api_keys::revoked_at,
);

/// A page of the municipality's keys, newest first, and their number.
pub fn keys_page(
    conn: &mut DbConnection,
    municipality_id: i64,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<KeyRow>, i64)> {
    let q = api_keys::table.filter(api_keys::municipality_id.eq(municipality_id));
    let rows = q
        .select(KeyRow::as_select())
        .order(api_keys::id.desc())
        .limit(limit + 1)
        .offset(offset)
        .load(conn)?;
    let total = q.count().get_result(conn)?;
    Ok((rows, total))
}

#[derive(Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewKey<'a> {
    pub municipality_id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a str,
    pub scope: KeyScope,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_key(conn: &mut DbConnection, key: &NewKey<'_>) -> QueryResult<KeyRow> {
    diesel::insert_into(api_keys::table)
        .values(key)
        .returning(KEY_COLUMNS)
        .get_result(conn)
}

/// A key of the municipality.
pub fn key(conn: &mut DbConnection, municipality_id: i64, id: i64) -> QueryResult<Option<KeyRow>> {
    api_keys::table
        .filter(api_keys::id.eq(id))
        .filter(api_keys::municipality_id.eq(municipality_id))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()
}

pub fn revoke_key(conn: &mut DbConnection, id: i64) -> QueryResult<KeyRow> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::revoked_at.eq(retning_kernel::now()))
        .returning(KEY_COLUMNS)
        .get_result(conn)
}

// ---------------------------------------------------------------------------------------------
// Municipalities and module switches

pub fn municipalities_page(
    conn: &mut DbConnection,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Municipality>, i64)> {
    let rows = municipalities::table
        .select(Municipality::as_select())
        .order((municipalities::name.asc(), municipalities::id.asc()))
        .limit(limit + 1)
        .offset(offset)
        .load(conn)?;
    let total: i64 = municipalities::table.count().get_result(conn)?;
    Ok((rows, total))
}

pub fn municipality_slug(conn: &mut DbConnection, id: i64) -> QueryResult<String> {
    municipalities::table
        .find(id)
        .select(municipalities::slug)
        .first(conn)
}

/// A municipality's fields as written (trimmed by the caller).
#[derive(AsChangeset)]
#[diesel(table_name = municipalities)]
pub struct MunicipalityFields<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub region: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = municipalities)]
struct NewMunicipalityRow<'a> {
    slug: &'a str,
    code: &'a str,
    name: &'a str,
    region: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

pub fn insert_municipality(
    conn: &mut DbConnection,
    slug: &str,
    fields: &MunicipalityFields<'_>,
) -> QueryResult<Municipality> {
    let now = retning_kernel::now();
    diesel::insert_into(municipalities::table)
        .values(NewMunicipalityRow {
            slug,
            code: fields.code,
            name: fields.name,
            region: fields.region,
            created_at: now,
            updated_at: now,
        })
        .returning(municipalities::all_columns)
        .get_result(conn)
}

pub fn update_municipality(
    conn: &mut DbConnection,
    id: i64,
    fields: &MunicipalityFields<'_>,
) -> QueryResult<Municipality> {
    diesel::update(municipalities::table.find(id))
        .set((fields, municipalities::updated_at.eq(retning_kernel::now())))
        .returning(municipalities::all_columns)
        .get_result(conn)
}

pub fn disabled_modules(conn: &mut DbConnection, municipality_id: i64) -> QueryResult<Vec<String>> {
    disabled_modules::table
        .filter(disabled_modules::municipality_id.eq(municipality_id))
        .select(disabled_modules::module)
        .load(conn)
}

/// Switches a module on or off; returns whether anything changed.
pub fn switch_module(
    conn: &mut DbConnection,
    municipality_id: i64,
    module: &str,
    enabled: bool,
) -> QueryResult<bool> {
    let off = disabled_modules::table
        .find((municipality_id, module))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if enabled && off {
        diesel::delete(disabled_modules::table.find((municipality_id, module))).execute(conn)?;
    } else if !enabled && !off {
        diesel::insert_into(disabled_modules::table)
            .values((
                disabled_modules::municipality_id.eq(municipality_id),
                disabled_modules::module.eq(module),
                disabled_modules::disabled_at.eq(retning_kernel::now()),
            ))
            .execute(conn)?;
    }
    Ok(enabled == off)
}
