//! One save job for every kind of task: the names its files could take are checked before
//! anything is paid, a task that exists is saved without a submit, and names stay apart for
//! ids of any length.

mod fake;

use std::path::PathBuf;
use std::sync::Arc;

use fake::*;
use futures_executor::block_on;
use hitem3d_core::journal::{EntryQuery, EntryState, MemoryJournal, TaskJournal};
use hitem3d_core::types::{MeshLevel, TaskId};
use hitem3d_core::{
    ClientConfig, ClientCore, Driver, Error, GenerateOptions, MeshFile, MeshFormat, MeshTask,
    TaskSource,
};

fn split() -> MeshTask {
    let glb = MeshFile::new(b"glTF\x02\x00\x00\x00 rest".to_vec(), MeshFormat::Glb).unwrap();
    MeshTask::split_general(MeshLevel::Low)
        .mesh(glb)
        .build()
        .unwrap()
}

/// A success answer for `task_id`, its model a ZIP of parts.
fn parts_ready(task_id: &str) -> &'static str {
    let answer = format!(
        r#"{{"code":200,"data":{{"task_id":"{task_id}","state":"success","url":"https://cdn.example/{task_id}/parts.zip?sig=a"}}}}"#
    );
    Box::leak(answer.into_boxed_str())
}

fn zip() -> FileReply {
    body(vec![b"PK\x03\x04", b"parts"])
}

#[test]
fn a_mesh_task_whose_result_could_land_on_a_file_is_refused_before_it_is_paid() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN]);
    fx.saved
        .borrow_mut()
        .insert(PathBuf::from("parts/mesh-split.zip"), b"earlier".to_vec());
    let options = GenerateOptions::new("parts").with_file_stem("mesh-split");

    let error =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.generate(split(), options), |_| {}))
            .unwrap_err();

    assert!(
        matches!(&error, Error::PathTaken { path } if path.ends_with("mesh-split.zip")),
        "{error:?}"
    );
    assert!(fx.calls().is_empty(), "nothing sent: {:?}", fx.calls());
}

#[test]
fn a_mesh_task_is_saved_under_its_links_extension_and_recorded() {
    let journal = Arc::new(MemoryJournal::default());
    let config = ClientConfig::new(
        hitem3d_core::types::ClientId::new("ak_1"),
        hitem3d_core::types::ClientSecret::new("sk_1"),
    )
    .with_journal(journal.clone());
    let fx = FakeFrontEnd::new(ClientCore::new(config, 42_u64, || {}).unwrap())
        .answers([TOKEN, SUBMITTED, parts_ready("t-1")])
        .file(zip());
    let options = GenerateOptions::new("parts").with_file_stem("mesh-split");

    let saved =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.generate(split(), options), |_| {}))
            .unwrap();

    assert_eq!(saved.model.path, PathBuf::from("parts/mesh-split.zip"));
    let entries = journal.entries(&EntryQuery::All).unwrap();
    assert_eq!(entries[0].state, EntryState::Saved);
    assert_eq!(entries[0].files, [PathBuf::from("parts/mesh-split.zip")]);
    let (options, format) =
        GenerateOptions::from_journal_destination(entries[0].destination.as_deref().unwrap())
            .unwrap();
    assert_eq!(options.file_stem.as_deref(), Some("mesh-split"));
    assert_eq!(format, None, "a split's link names its file type");
}

#[test]
fn a_task_that_exists_is_saved_without_a_submit() {
    let fx = FakeFrontEnd::new(core())
        .answers([TOKEN, SUCCESS])
        .file(body(vec![b"glTF\x02\0\0\0", b"model"]));

    let task_id = TaskId::new("t-1");
    let saved = block_on(Driver::new(&fx.core, &fx).run(
        fx.core.generate(
            TaskSource::existing(task_id, None),
            GenerateOptions::new("out"),
        ),
        |_| {},
    ))
    .unwrap();

    assert_eq!(saved.model.path, PathBuf::from("out/t-1.glb"));
    assert!(
        fx.calls().iter().all(|call| !call.contains("submit")),
        "nothing paid: {:?}",
        fx.calls()
    );
}

#[test]
fn a_task_that_exists_is_not_saved_over_a_file_and_nothing_is_fetched() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN, SUCCESS]);
    fx.saved
        .borrow_mut()
        .insert(PathBuf::from("out/t-1.glb"), b"earlier".to_vec());

    let error = block_on(Driver::new(&fx.core, &fx).run(
        fx.core.generate(
            TaskSource::existing(TaskId::new("t-1"), None),
            GenerateOptions::new("out"),
        ),
        |_| {},
    ))
    .unwrap_err();

    assert!(matches!(error, Error::PathTaken { .. }), "{error:?}");
    assert!(fx.calls().is_empty(), "checked first: {:?}", fx.calls());
}

#[test]
fn two_tasks_whose_long_ids_differ_only_past_the_name_limit_are_saved_apart() {
    let prefix = "x".repeat(96);
    let (one, other) = (format!("{prefix}a"), format!("{prefix}b"));
    let fx = FakeFrontEnd::new(core())
        .answers([TOKEN, parts_ready(&one), parts_ready(&other)])
        .file(zip())
        .file(zip());

    let mut paths = Vec::new();
    for id in [&one, &other] {
        let saved = block_on(Driver::new(&fx.core, &fx).run(
            fx.core.generate(
                TaskSource::existing(TaskId::new(id.as_str()), None),
                GenerateOptions::new("out"),
            ),
            |_| {},
        ))
        .unwrap_or_else(|error| panic!("{id}: {error}"));
        paths.push(saved.model.path);
    }

    assert_ne!(paths[0], paths[1]);
    assert_eq!(fx.saved.borrow().len(), 2);
}
