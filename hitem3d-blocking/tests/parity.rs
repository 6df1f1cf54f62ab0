//! The two clients offer the same operations: every public method of `Client` and
//! `TaskWatch`, with the same parameters and result types, and the same exports. Read from
//! both crates' sources with `syn`, so a method added to one client and forgotten in the
//! other fails this test.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use quote::ToTokens;

/// Types whose methods make up a client's surface.
const SURFACE_TYPES: &[&str] = &["Client", "TaskWatch"];

/// Spellings that differ by design, mapped to one name: each client's own HTTP stack.
const EQUIVALENT: &[(&str, &str)] = &[
    ("reqwest :: Client", "<http client>"),
    ("ureq :: Agent", "<http client>"),
    ("ReqwestTransport", "<default transport>"),
    ("UreqTransport", "<default transport>"),
];

/// Exports only the blocking client has: blocking I/O cannot be abandoned from outside, so its
/// transport is told the time limits that the async client enforces around the transport.
const BLOCKING_ONLY: &[&str] = &["export SendLimits"];

/// One crate's sources: (file name, text).
fn sources(crate_dir: &str) -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir)
        .join("src");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&src)
        .unwrap_or_else(|error| panic!("reading {}: {error}", src.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                text,
            )
        })
        .collect()
}

fn normalize(tokens: impl ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string();
    for (spelling, name) in EQUIVALENT {
        text = text.replace(spelling, name);
    }
    text
}

/// The public surface of one client: a line per method and per export.
fn surface(files: &[(String, String)]) -> BTreeSet<String> {
    let mut surface = BTreeSet::new();
    for (name, text) in files {
        let file = syn::parse_file(text).unwrap_or_else(|error| panic!("parsing {name}: {error}"));
        for item in &file.items {
            match item {
                syn::Item::Impl(block) if block.trait_.is_none() => {
                    let owner = normalize(&block.self_ty);
                    if SURFACE_TYPES.contains(&owner.as_str()) {
                        surface.extend(methods(&owner, block));
                    }
                }
                syn::Item::Use(export) if matches!(export.vis, syn::Visibility::Public(_)) => {
                    let mut names = Vec::new();
                    exported_names(&export.tree, "", &mut names);
                    surface.extend(names.into_iter().map(|name| format!("export {name}")));
                }
                _ => {}
            }
        }
    }
    surface
}

/// `Owner::name(param: Type, ...) -> Output` for each public method; `async` is left out,
/// since that is the one intended difference.
fn methods(owner: &str, block: &syn::ItemImpl) -> Vec<String> {
    block
        .items
        .iter()
        .filter_map(|item| match item {
            syn::ImplItem::Fn(method) if matches!(method.vis, syn::Visibility::Public(_)) => {
                let params: Vec<String> = method
                    .sig
                    .inputs
                    .iter()
                    .map(|input| match input {
                        syn::FnArg::Receiver(receiver) => normalize(receiver),
                        syn::FnArg::Typed(typed) => {
                            format!("{}: {}", normalize(&typed.pat), normalize(&typed.ty))
                        }
                    })
                    .collect();
                Some(format!(
                    "{owner}::{}({}) {}",
                    method.sig.ident,
                    params.join(", "),
                    normalize(&method.sig.output)
                ))
            }
            _ => None,
        })
        .collect()
}

/// The names a `pub use` exports; a glob is named with its path, since it exports whatever that
/// module holds.
fn exported_names(tree: &syn::UseTree, path: &str, names: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(segment) => {
            let path = format!("{path}{}::", segment.ident);
            exported_names(&segment.tree, &path, names);
        }
        syn::UseTree::Name(name) => names.push(normalize(&name.ident)),
        syn::UseTree::Rename(rename) => names.push(normalize(&rename.rename)),
        syn::UseTree::Glob(_) => names.push(format!("{path}*")),
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                exported_names(tree, path, names);
            }
        }
    }
}

/// What one client has and the other lacks, one line each.
fn differences(asynchronous: &BTreeSet<String>, blocking: &BTreeSet<String>) -> Vec<String> {
    let only_async = asynchronous
        .difference(blocking)
        .map(|item| format!("only in hitem3d-async:    {item}"));
    let only_blocking = blocking
        .difference(asynchronous)
        .filter(|item| !BLOCKING_ONLY.contains(&item.as_str()))
        .map(|item| format!("only in hitem3d-blocking: {item}"));
    only_async.chain(only_blocking).collect()
}

#[test]
fn both_clients_offer_the_same_operations() {
    let asynchronous = surface(&sources("hitem3d-async"));
    let blocking = surface(&sources("hitem3d-blocking"));
    for expected in [
        "Client::generate",
        "Client::watch",
        "Client::download_to_writer",
        "TaskWatch::task_id",
        "export hitem3d_core::client_api::*",
    ] {
        assert!(
            blocking.iter().any(|item| item.starts_with(expected)),
            "the surface was read: {expected} missing from {blocking:#?}"
        );
    }

    let differences = differences(&asynchronous, &blocking);

    assert!(
        differences.is_empty(),
        "the clients differ:\n{}",
        differences.join("\n")
    );
}

#[test]
fn a_method_removed_from_one_client_is_reported() {
    let asynchronous = surface(&sources("hitem3d-async"));
    let mut files = sources("hitem3d-blocking");
    let (_, client) = files
        .iter_mut()
        .find(|(name, _)| name == "client.rs")
        .expect("the blocking client's client.rs");
    assert!(client.contains("pub fn download_to_writer"));
    *client = client.replace("pub fn download_to_writer", "fn download_to_writer");

    let differences = differences(&asynchronous, &surface(&files));

    assert_eq!(differences.len(), 1, "{differences:#?}");
    assert!(
        differences[0].starts_with("only in hitem3d-async:    Client::download_to_writer("),
        "{differences:#?}"
    );
}

#[test]
fn a_changed_signature_is_reported() {
    let asynchronous = surface(&sources("hitem3d-async"));
    let mut files = sources("hitem3d-blocking");
    let (_, client) = files
        .iter_mut()
        .find(|(name, _)| name == "client.rs")
        .expect("the blocking client's client.rs");
    *client = client.replace(
        "pub fn query(&self, task_id: &TaskId)",
        "pub fn query(&self, task_id: TaskId)",
    );

    let differences = differences(&asynchronous, &surface(&files));

    assert_eq!(differences.len(), 2, "{differences:#?}");
    assert!(
        differences
            .iter()
            .all(|line| line.contains("Client::query("))
    );
}
