//! Relief (depth) tasks: created and queried at their own endpoints, made into real height
//! maps and meshes from the picture.

mod support;

use std::time::Duration;

use hitem3d_mock::MockConfig;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use support::{Client, code, png};

async fn create(client: &Client, token: &str, form: Form) -> Value {
    client.create(token, "depth", form).await
}

async fn query_relief(client: &Client, token: &str, task_id: &str) -> Value {
    client
        .http
        .get(format!(
            "{}/open-api/v1/depth/query-task?task_id={task_id}",
            client.base
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn relief_form(format: &str) -> Form {
    Form::new()
        .part("image", Part::bytes(png()).file_name("cat.png"))
        .text("format", format.to_owned())
        .text("model_type", "base")
        .text("height_relief", "2.5")
}

#[tokio::test]
async fn a_relief_is_made_from_the_picture_in_each_format() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let before = client.balance(&token).await["data"]["totalBalance"]
        .as_f64()
        .unwrap();
    let mut tasks = Vec::new();
    for format in ["1", "2", "3", "4", "5", "6"] {
        let created = create(&client, &token, relief_form(format)).await;
        assert_eq!(code(&created), 200, "{created}");
        let task_id = created["data"]["task_id"].as_str().unwrap().to_owned();
        assert!(task_id.starts_with("depth_"), "{task_id}");
        tasks.push((format, task_id));
    }
    let after = client.balance(&token).await["data"]["totalBalance"]
        .as_f64()
        .unwrap();
    assert!(
        (before - after - 60.0).abs() < 1e-9,
        "10 credits each: {before} -> {after}"
    );

    mock.advance(Duration::from_secs(600));
    for (format, task_id) in &tasks {
        let done = query_relief(&client, &token, task_id).await;
        assert_eq!(done["data"]["state"], "success", "{done}");
        assert!(
            done["data"].get("cover_url").is_none(),
            "no cover, as documented"
        );
        let (status, bytes) = client.download(done["data"]["url"].as_str().unwrap()).await;
        assert_eq!(status, 200);
        match *format {
            "1" => assert_eq!(&bytes[..4], b"\x76\x2f\x31\x01", "OpenEXR"),
            "2" => {
                let map = image::load_from_memory(&bytes).unwrap();
                assert_eq!(map.color(), image::ColorType::L16, "a 16-bit height map");
                let grey = map.to_luma16();
                let (lowest, highest) = grey.pixels().fold((u16::MAX, 0), |(lo, hi), p| {
                    (lo.min(p.0[0]), hi.max(p.0[0]))
                });
                assert!(
                    lowest == 0 && highest > 30_000,
                    "background low, object high"
                );
            }
            "3" => {
                let triangles = u32::from_le_bytes(bytes[80..84].try_into().unwrap());
                assert_eq!(bytes.len() as u64, 84 + 50 * u64::from(triangles));
                assert!(triangles > 100);
            }
            "4" => assert_eq!(&bytes[..4], b"glTF"),
            "5" => assert_eq!(&bytes[..4], b"PK\x03\x04"),
            _ => assert_eq!(&bytes[..2], b"BM"),
        }
    }
}

#[tokio::test]
async fn each_query_endpoint_knows_only_its_own_tasks() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let relief = create(&client, &token, relief_form("2")).await["data"]["task_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let model = client.submit_task(&token, support::form(png(), &[])).await;
    mock.advance(Duration::from_secs(600));
    assert_eq!(code(&client.query(&token, &relief).await), 40_040_000);
    assert_eq!(
        code(&query_relief(&client, &token, &model).await),
        40_040_000
    );
    assert_eq!(
        query_relief(&client, &token, &relief).await["data"]["state"],
        "success"
    );
}

#[tokio::test]
async fn every_relief_rule_answers_its_code() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let picture = || Part::bytes(png()).file_name("cat.png");
    let cases: Vec<(Form, i64)> = vec![
        (Form::new().text("format", "2"), 10_031_008),
        (
            Form::new()
                .part("image", picture())
                .text("image_url", "https://example.com/a.png")
                .text("format", "2"),
            10_031_007,
        ),
        (Form::new().part("image", picture()), 10_031_004),
        (
            Form::new().part("image", picture()).text("format", "7"),
            10_031_004,
        ),
        (
            Form::new()
                .part(
                    "image",
                    Part::bytes(b"GIF89a..".to_vec()).file_name("a.gif"),
                )
                .text("format", "2"),
            10_031_005,
        ),
        (relief_form("2").text("width", "601"), 10_031_016),
        (relief_form("2").text("width", "40.5"), 10_031_016),
        (relief_form("2").text("degree_rmbg", "1.5"), 10_031_016),
        (
            Form::new()
                .part("image", picture())
                .text("format", "2")
                .text("model_type", "ultra"),
            10_031_016,
        ),
        (relief_form("2").text("rmbg", "2"), 10_031_016),
        (
            Form::new()
                .text("image_url", "https://example.com/a.png")
                .text("format", "3"),
            200,
        ),
        (relief_form("2").text("width", "600"), 200),
    ];
    let mut accepted = 0;
    for (index, (form, expected)) in cases.into_iter().enumerate() {
        let body = create(&client, &token, form).await;
        assert_eq!(code(&body), expected, "case {index}: {body}");
        accepted += usize::from(expected == 200);
    }
    assert_eq!(mock.counters().tasks_created, accepted);
}
