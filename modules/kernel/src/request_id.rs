//! The request id: made (or taken from a sane incoming `x-request-id`) by the HTTP middleware,
//! available to error responses through a task-local while the request is handled.

tokio::task_local! {
    pub static REQUEST_ID: String;
}

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Accepts a caller's id only if it is short and plain, so it cannot forge log lines, and holds
/// nothing CPR-shaped, since it is echoed and logged; anything else is replaced, never echoed.
pub fn accept_incoming(value: &str) -> Option<String> {
    let ok = !value.is_empty()
        && !crate::cpr::find_cpr(value)
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    ok.then(|| value.to_owned())
}

pub fn generate() -> String {
    use rand::Rng;
    let bytes: [u8; 12] = rand::rng().random();
    hex::encode(bytes)
}
