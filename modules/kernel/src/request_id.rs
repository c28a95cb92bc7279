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

/// A new id: 24 hex digits. Hex can spell a CPR-shaped run of digits (`a1803061628c…` holds
/// `1803061628`), about once in a few thousand ids; such an id is drawn again, since ids are echoed
/// and logged.
pub fn generate() -> String {
    use rand::Rng;
    loop {
        let bytes: [u8; 12] = rand::rng().random();
        let id = hex::encode(bytes);
        if !crate::cpr::find_cpr(&id) {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_ids_never_look_like_cpr_numbers() {
        assert!(
            crate::cpr::find_cpr("a1803061628ce9acf50d9fb7"),
            "the case seen in CI"
        );
        for _ in 0..20_000 {
            assert!(!crate::cpr::find_cpr(&super::generate()));
        }
    }
}
