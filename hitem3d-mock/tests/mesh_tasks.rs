//! Split, segmentation and multicolor tasks: each rule's code, and the files they make.

mod support;

use std::time::Duration;

use hitem3d_mock::MockConfig;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use support::code;

fn mesh() -> Part {
    Part::bytes(b"glTF\x02\x00\x00\x00 a tiny model".to_vec()).file_name("m.glb")
}

#[tokio::test]
async fn every_mesh_task_rule_answers_its_code() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let with_mesh = || Form::new().part("mesh", mesh());
    let cases: Vec<(&str, Form, i64)> = vec![
        ("split", Form::new().text("model", "general"), 10_031_008),
        (
            "split",
            with_mesh().text("mesh_url", "https://example.com/m.glb"),
            10_031_007,
        ),
        (
            "split",
            Form::new().part("mesh", Part::bytes(Vec::new()).file_name("m.glb")),
            10_031_010,
        ),
        (
            "split",
            Form::new().text("mesh_url", "ftp://x/m.glb"),
            10_031_012,
        ),
        // A character split (the default model) answers GLB only.
        ("split", with_mesh().text("format", "3"), 10_031_004),
        (
            "split",
            with_mesh().text("part", "z").text("format", "2"),
            10_031_016,
        ),
        (
            "split",
            with_mesh().text("model", "general").text("level", "x"),
            10_031_016,
        ),
        ("segmentation", with_mesh(), 10_031_004),
        ("segmentation", with_mesh().text("format", "6"), 10_031_004),
        (
            "segmentation",
            with_mesh().text("format", "2").text("seg_level", "x"),
            10_031_016,
        ),
        ("muilticolor", with_mesh().text("format", "3"), 10_031_004),
        (
            "muilticolor",
            with_mesh().text("format", "2").text("number_color", "9"),
            10_031_016,
        ),
        (
            "split",
            with_mesh().text("format", "2").text("part", "f"),
            200,
        ),
        (
            "split",
            with_mesh().text("model", "general").text("format", "3"),
            200,
        ),
        ("segmentation", with_mesh().text("format", "1"), 200),
        (
            "muilticolor",
            with_mesh().text("format", "6").text("number_color", "0"),
            200,
        ),
    ];
    let mut created = Vec::new();
    for (index, (path, form, expected)) in cases.into_iter().enumerate() {
        let body = client.create(&token, path, form).await;
        assert_eq!(code(&body), expected, "case {index} ({path}): {body}");
        if expected == 200 {
            created.push((path, body["data"]["task_id"].as_str().unwrap().to_owned()));
        }
    }
    assert_eq!(mock.counters().tasks_created, created.len());

    mock.advance(Duration::from_secs(600));
    for (path, task_id) in created {
        let prefix = if path == "muilticolor" {
            "multicolor_"
        } else {
            path
        };
        assert!(task_id.starts_with(prefix), "{task_id}");
        let done: Value = client
            .http
            .get(format!(
                "{}/open-api/v1/{path}/query-task?task_id={task_id}",
                client.base
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(done["data"]["state"], "success", "{done}");
        let url = done["data"]["url"].as_str().unwrap();
        let (status, bytes) = client.download(url).await;
        assert_eq!(status, 200);
        if path == "muilticolor" {
            assert_eq!(&bytes[..4], b"PK\x03\x04", "3MF is a zip package");
        } else {
            assert!(url.split('?').next().unwrap().ends_with(".zip"), "{url}");
            assert_eq!(&bytes[..4], b"PK\x03\x04", "parts come in a ZIP");
        }
    }
}
