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

/// The lowest and highest corner of an STL's vertices.
fn stl_bounds(bytes: &[u8]) -> ([f32; 3], [f32; 3]) {
    let mesh = stl_io::read_stl(&mut std::io::Cursor::new(bytes)).unwrap();
    mesh.vertices.iter().fold(
        ([f32::MAX; 3], [f32::MIN; 3]),
        |(mut low, mut high), vertex| {
            for axis in 0..3 {
                low[axis] = low[axis].min(vertex[axis]);
                high[axis] = high[axis].max(vertex[axis]);
            }
            (low, high)
        },
    )
}

async fn relief_file(
    mock: &hitem3d_mock::MockService,
    client: &Client,
    token: &str,
    settings: &[(&str, &str)],
) -> Vec<u8> {
    let mut form = Form::new()
        .part("image", Part::bytes(png()).file_name("cat.png"))
        .text("model_type", "base");
    for (field, value) in settings {
        form = form.text((*field).to_owned(), (*value).to_owned());
    }
    let created = create(client, token, form).await;
    let task_id = created["data"]["task_id"].as_str().unwrap().to_owned();
    mock.advance(Duration::from_secs(600));
    let done = query_relief(client, token, &task_id).await;
    assert_eq!(done["data"]["state"], "success", "{done}");
    client
        .download(done["data"]["url"].as_str().unwrap())
        .await
        .1
}

#[tokio::test]
async fn a_relief_mesh_is_in_millimetres_shaped_by_its_settings_unlike_a_model() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let model_task = client
        .submit_task(&token, support::form(png(), &[("format", "3")]))
        .await;
    mock.advance(Duration::from_secs(600));
    let model = client.query(&token, &model_task).await;
    let model_stl = client
        .download(model["data"]["url"].as_str().unwrap())
        .await
        .1;

    let close = |value: f32, expected: f32| (value - expected).abs() < 1e-3;
    // The service's defaults: 40 mm wide, a 1 mm base, 1.3 mm of relief, raised.
    let plain = relief_file(&mock, &client, &token, &[("format", "3")]).await;
    assert_ne!(plain, model_stl, "a relief is not the image-to-3D model");
    let (low, high) = stl_bounds(&plain);
    assert!(close(high[0] - low[0], 40.0), "{low:?} {high:?}");
    assert!(
        close(low[2], 0.0) && high[2] > 1.0 && high[2] <= 2.3 + 1e-3,
        "{high:?}"
    );

    let shaped = [
        ("format", "3"),
        ("width", "100"),
        ("height_relief", "5"),
        ("thickness_base", "2"),
    ];
    let (low, high) = stl_bounds(&relief_file(&mock, &client, &token, &shaped).await);
    assert!(close(high[0] - low[0], 100.0), "{low:?} {high:?}");
    assert!(high[2] > 2.0 + 0.5 && high[2] <= 7.0 + 1e-3, "{high:?}");

    // Engraved: the background (the picture's border) stands at the full height.
    let engraved = [("format", "3"), ("sculpmode", "1")];
    let (_, high) = stl_bounds(&relief_file(&mock, &client, &token, &engraved).await);
    assert!(close(high[2], 2.3), "{high:?}");

    // glTF counts in metres.
    let glb = relief_file(&mock, &client, &token, &[("format", "4")]).await;
    let (document, buffers, _) = gltf::import_slice(&glb).unwrap();
    let positions: Vec<[f32; 3]> = document
        .meshes()
        .flat_map(|mesh| mesh.primitives().collect::<Vec<_>>())
        .flat_map(|primitive| {
            primitive
                .reader(|buffer| Some(&buffers[buffer.index()]))
                .read_positions()
                .unwrap()
                .collect::<Vec<_>>()
        })
        .collect();
    let (min_x, max_x) = positions.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
        (lo.min(p[0]), hi.max(p[0]))
    });
    assert!(close(max_x - min_x, 0.04), "{min_x} {max_x}");
}
