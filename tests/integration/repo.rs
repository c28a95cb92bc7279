//! Promises about the repository itself: mirrored migrations, the committed spec.

use std::collections::BTreeSet;

use retning_api::registry::{compiled_modules, Registry};
use retning_tests::repo_dir;

fn names(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(repo_dir().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn migrations_are_identical_in_name_in_both_trees() {
    let (sqlite, postgres) = (names("migrations/sqlite"), names("migrations/postgres"));
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
    for name in &sqlite {
        let (version, rest) = name.split_once('_').unwrap_or_default();
        assert!(
            version.len() == 14 && version.bytes().all(|b| b.is_ascii_digit()),
            "{name}: <timestamp>_<module>_<what>"
        );
        assert!(rest.contains('_'), "{name}: <timestamp>_<module>_<what>");
        for file in ["up.sql", "down.sql"] {
            for tree in ["sqlite", "postgres"] {
                assert!(
                    repo_dir()
                        .join(format!("migrations/{tree}/{name}/{file}"))
                        .is_file(),
                    "{tree}/{name}/{file} missing"
                );
            }
        }
    }
}

fn generated_spec() -> serde_json::Value {
    let registry = Registry::new(compiled_modules()).unwrap_or_else(|e| panic!("{e}"));
    let doc = retning_api::server::openapi_document(&registry);
    serde_json::from_str(&doc.to_json().unwrap_or_default()).unwrap_or_default()
}

#[test]
fn committed_openapi_is_current() {
    let committed =
        std::fs::read_to_string(repo_dir().join("openapi/openapi.json")).unwrap_or_default();
    let committed: serde_json::Value = serde_json::from_str(&committed).unwrap_or_default();
    assert!(
        committed == generated_spec(),
        "openapi/openapi.json is stale: run `cargo run -p retning-api -- openapi --output openapi/openapi.json` and commit it"
    );
}

#[test]
fn every_operation_documents_security_success_and_problems() {
    let spec = generated_spec();
    assert!(spec["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.1")));
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    let paths = spec["paths"].as_object().cloned().unwrap_or_default();
    assert!(paths.len() >= 10, "{} paths", paths.len());
    let mut count = 0;
    for (path, item) in &paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            count += 1;
            let at = format!("{method} {path}");
            assert!(op["security"].is_array(), "{at}: no security");
            let responses = op["responses"].as_object().cloned().unwrap_or_default();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{at}: no success response"
            );
            assert!(
                responses
                    .keys()
                    .any(|s| s.starts_with('2')
                        && (s == "204" || !responses[s]["content"].is_null())),
                "{at}: success without schema"
            );
            assert!(
                responses
                    .get("500")
                    .is_some_and(|r| r["content"]["application/problem+json"].is_object()),
                "{at}: no problem response"
            );
            let secured = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
            });
            if secured {
                assert!(
                    responses.contains_key("401") && responses.contains_key("403"),
                    "{at}: secured without 401/403"
                );
            }
            assert!(op["tags"].is_array(), "{at}: no tag");
        }
    }
    assert!(count >= 15, "{count} operations");
}

/// Generated clients and Swagger UI's "Try it out" key operations by id: every id is unique and
/// follows one rule, `<module>_<verb>[_<resource>]`, where the module is the code that serves it
/// (`platform` for the kernel's own routes, `health` for the probes).
#[test]
fn operation_ids_are_unique_and_follow_the_rule() {
    let spec = generated_spec();
    let mut seen = BTreeSet::new();
    let mut count = 0;
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            count += 1;
            let at = format!("{method} {path}");
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: no operationId"));
            let tag = op["tags"][0].as_str().unwrap_or_default();
            let module = match tag {
                "municipalities" | "auth" | "users" | "api-keys" => "platform",
                other => other,
            };
            let rest = id
                .strip_prefix(module)
                .and_then(|r| r.strip_prefix('_'))
                .unwrap_or_else(|| panic!("{at}: `{id}` does not start with `{module}_`"));
            assert!(
                !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{at}: `{id}` is not snake_case"
            );
            assert!(seen.insert(id.to_owned()), "{at}: `{id}` is used twice");
        }
    }
    assert_eq!(seen.len(), count);
}

#[test]
fn module_registry_is_valid_and_complete() {
    let registry = Registry::new(compiled_modules()).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = registry.modules.iter().map(|m| m.name()).collect();
    assert_eq!(names.first(), Some(&"platform"));
    for expected in ["goals", "placements"] {
        assert!(
            names.contains(&expected),
            "{expected} not registered: {names:?}"
        );
    }
}

/// The README's table of problem codes and the codes the kernel and the modules declare
/// (`codes::ALL`, `Module::problem_codes`) are the same set, both ways.
#[test]
fn readme_codes_table_matches_the_declared_codes() {
    let readme = std::fs::read_to_string(repo_dir().join("README.md")).unwrap_or_default();
    let table: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| code | status | meaning |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(table.len() > 20, "the codes table was not found");
    let mut documented = BTreeSet::new();
    for row in table {
        let first = row.split('|').nth(1).unwrap_or_default();
        if first.contains("field codes") {
            continue; // codes of errors[] entries, not of problems
        }
        for (i, part) in first.split('`').enumerate() {
            if i % 2 == 1 {
                assert!(
                    documented.insert(part.to_owned()),
                    "{part} documented twice"
                );
            }
        }
    }
    let mut declared = BTreeSet::new();
    for code in retning_kernel::codes::ALL
        .iter()
        .chain(compiled_modules().iter().flat_map(|m| m.problem_codes()))
    {
        assert!(declared.insert((*code).to_owned()), "{code} declared twice");
    }
    let undocumented: Vec<_> = declared.difference(&documented).collect();
    let undeclared: Vec<_> = documented.difference(&declared).collect();
    assert!(
        undocumented.is_empty() && undeclared.is_empty(),
        "declared but not in the README: {undocumented:?}; in the README but not declared: {undeclared:?}"
    );
}
