//! Where the mock once differed from the documented service, pinned by literals copied from
//! `shared/hitem3d-api.md`, never by the spec's tables (which the mock is built from: a wrong
//! table would hide behind itself).

mod support;

use hitem3d_mock::MockConfig;
use reqwest::multipart::{Form, Part};
use support::{code, form, png, session};

/// §3, "model | string | yes": a submit without one is refused as a bad model.
#[tokio::test]
async fn a_submit_without_a_model_is_refused() {
    let (mock, client, token) = session(MockConfig::manual()).await;
    let picture = Part::bytes(png()).file_name("image.png");
    let without = Form::new().part("images", picture).text("format", "2");
    let refused = client.submit(&token, without).await;
    assert_eq!(code(&refused), 10_031_006, "{refused}");
    assert!(mock.task_ids().is_empty());
}

/// §3, "resolution | … | no | `1024`", and §3.2, hitem3dv2.1 takes only `1536fast` and
/// `1536pro`: without a resolution it gets 1024, which it does not take.
#[tokio::test]
async fn hitem3dv2_1_without_a_resolution_is_refused_and_with_one_taken() {
    let (mock, client, token) = session(MockConfig::manual()).await;
    let refused = client
        .submit(
            &token,
            form(png(), &[("model", "hitem3dv2.1"), ("format", "2")]),
        )
        .await;
    assert_eq!(code(&refused), 10_031_003, "{refused}");
    assert!(mock.task_ids().is_empty());

    let fields = [
        ("model", "hitem3dv2.1"),
        ("resolution", "1536fast"),
        ("format", "2"),
    ];
    let accepted = client.submit(&token, form(png(), &fields)).await;
    assert_eq!(code(&accepted), 200, "{accepted}");
    // A model whose default is 1024 is taken without one.
    let fields = [("model", "hitem3dv1.5"), ("format", "2")];
    let accepted = client.submit(&token, form(png(), &fields)).await;
    assert_eq!(code(&accepted), 200, "{accepted}");
}

/// §4, "cover_url": `…/target/cover/webp/0.webp`, "cover/thumbnail image URL (webp)".
#[tokio::test]
async fn the_cover_is_a_webp() {
    let (mock, client, token) = session(MockConfig::manual()).await;
    let fields = [("model", "hitem3dv1.5"), ("format", "2")];
    let id = client.submit_task(&token, form(png(), &fields)).await;
    assert!(mock.complete_task(&id));
    let answer = client.query(&token, &id).await;
    let cover = answer["data"]["cover_url"].as_str().expect("a cover link");
    let path = cover.split('?').next().unwrap();
    assert!(path.ends_with(".webp"), "{cover}");
    let (status, bytes) = client.download(cover).await;
    assert_eq!(status, 200);
    assert!(
        bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP",
        "a WebP file"
    );
}

/// §3, "`mesh_url` … a geometry model": the service downloads the mesh before it starts, so a
/// URL naming nothing ends the task as failed (and refunded). The mock reaches only its own
/// host: an upload never made or a result link of nothing fails; another host is trusted.
#[tokio::test]
async fn a_texture_task_whose_mesh_url_names_nothing_on_the_mock_fails() {
    let (mock, client, token) = session(MockConfig::manual()).await;
    let texture = |mesh_url: String| {
        form(
            png(),
            &[
                ("request_type", "2"),
                ("model", "hitem3dv1.5"),
                ("format", "2"),
                ("mesh_url", mesh_url.leak()),
            ],
        )
    };
    let geometry = client
        .submit_task(
            &token,
            form(png(), &[("request_type", "1"), ("model", "hitem3dv1.5")]),
        )
        .await;
    mock.advance(std::time::Duration::from_secs(600));
    let done = client.query(&token, &geometry).await;
    let model_link = done["data"]["url"].as_str().unwrap().to_owned();
    let balance = |answer: serde_json::Value| answer["data"]["totalBalance"].as_f64().unwrap();
    let before = balance(client.balance(&token).await);

    let never_uploaded = format!("{}/never-uploaded.glb", mock.upload_public_base());
    let (link_path, _) = model_link.split_once("auth_key=").unwrap();
    let no_such_link = format!("{link_path}auth_key=1-0123456789abcdef");
    let elsewhere = "https://hitem3dstatic.zaohaowu.net/comfyui/mesh/a.glb".to_owned();
    let mut tasks = Vec::new();
    for url in [never_uploaded, no_such_link, model_link, elsewhere] {
        tasks.push(client.submit_task(&token, texture(url)).await);
    }
    let price = (before - balance(client.balance(&token).await)) / 4.0;
    mock.advance(std::time::Duration::from_secs(600));
    let states: Vec<String> = {
        let mut states = Vec::new();
        for task in &tasks {
            let answer = client.query(&token, task).await;
            states.push(answer["data"]["state"].as_str().unwrap().to_owned());
        }
        states
    };
    assert_eq!(states, ["failed", "failed", "success", "success"]);
    // The two that failed were refunded.
    let spent = before - balance(client.balance(&token).await);
    assert!(
        price > 0.0 && (spent - 2.0 * price).abs() < 1e-9,
        "{price} {spent}"
    );
}
