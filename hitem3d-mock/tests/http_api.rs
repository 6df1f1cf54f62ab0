//! The mock's API, driven with a plain HTTP client.

mod support;

use std::time::Duration;

use hitem3d_mock::{Fault, MockConfig, MockService, Quirks, Route, TaskFailure};
use reqwest::multipart::{Form, Part};
use support::{Client, code, form, png};

const SEVEN_MINUTES: Duration = Duration::from_secs(420);

#[tokio::test]
async fn token_submit_query_download() {
    let mock = MockService::start_with(MockConfig::manual()).await;
    let client = Client::new(mock.base_url());
    let token_body = client
        .token_with(&mock.client_id(), &mock.client_secret())
        .await;
    assert_eq!(
        token_body["message"], "success",
        "the token answer says `message`"
    );
    assert_eq!(token_body["data"]["tokenType"], "Bearer");
    let token = token_body["data"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let before = code(&client.balance(&token).await);
    assert_eq!(before, 200);
    let submitted = client
        .submit(
            &token,
            form(
                png(),
                &[
                    ("model", "hitem3dv2.1"),
                    ("resolution", "1536fast"),
                    ("format", "2"),
                ],
            ),
        )
        .await;
    assert_eq!(code(&submitted), 200, "{submitted}");
    let task_id = submitted["data"]["task_id"].as_str().unwrap().to_owned();

    let created = client.query(&token, &task_id).await;
    assert_eq!(created["data"]["state"], "created");
    mock.advance(Duration::from_secs(3));
    assert_eq!(
        client.query(&token, &task_id).await["data"]["state"],
        "queueing"
    );
    mock.advance(Duration::from_secs(200));
    assert_eq!(
        client.query(&token, &task_id).await["data"]["state"],
        "processing"
    );
    mock.advance(SEVEN_MINUTES);
    let done = client.query(&token, &task_id).await;
    assert_eq!(done["data"]["state"], "success");
    assert_eq!(done["data"]["id"], format!("{task_id}_0"));
    let model_url = done["data"]["url"].as_str().unwrap();
    let cover_url = done["data"]["cover_url"].as_str().unwrap();
    assert!(model_url.contains("auth_key="));

    let (status, model) = client.download(model_url).await;
    assert_eq!(status, 200);
    assert_eq!(&model[..4], b"glTF");
    let (status, cover) = client.download(cover_url).await;
    assert_eq!(status, 200);
    assert_eq!((&cover[..4], &cover[8..12]), (&b"RIFF"[..], &b"WEBP"[..]));

    // hitem3dv2.1 at its default 1536fast, geometry and texture, per the spec's price table.
    let balance = client.balance(&token).await["data"]["totalBalance"]
        .as_f64()
        .unwrap();
    assert!(balance < 1000.0, "credits were charged: {balance}");
    let counters = mock.counters();
    assert_eq!(
        (counters.tokens, counters.tasks_created, counters.downloads),
        (1, 1, 2)
    );
    mock.assert_no_token_on_downloads();
    mock.assert_no_duplicate_submits();
}

#[tokio::test]
async fn bad_credentials_and_bad_tokens() {
    let mock = MockService::start_with(MockConfig::manual()).await;
    let client = Client::new(mock.base_url());
    let refused = client.token_with(&mock.client_id(), "sk_wrong").await;
    assert_eq!(code(&refused), 40_010_000);
    assert_eq!(refused["message"], "client credentials are invalid");

    let no_token = client.balance("not-a-token").await;
    assert_eq!(
        (code(&no_token), no_token["msg"].as_str()),
        (401, Some("login expired"))
    );

    let token = client.token(&mock).await;
    assert_eq!(code(&client.balance(&token).await), 200);
    mock.advance(Duration::from_secs(24 * 3600));
    assert_eq!(code(&client.balance(&token).await), 401, "tokens live 24 h");
    let fresh = client.token(&mock).await;
    mock.expire_tokens();
    assert_eq!(code(&client.balance(&fresh).await), 401);
}

#[tokio::test]
async fn every_submit_rule_answers_its_code() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let mut big = png();
    big.resize(20_000_001, 0);
    let views = |n: usize, bit: &str| {
        let mut form = Form::new()
            .text("model", "hitem3dv1.5")
            .text("multi_images_bit", bit.to_owned());
        for _ in 0..n {
            form = form.part("multi_images", Part::bytes(png()).file_name("v.png"));
        }
        form
    };
    let cases: Vec<(Form, i64)> = vec![
        (Form::new().text("model", "hitem3dv2.1"), 10_031_008),
        (
            form(png(), &[]).part("multi_images", Part::bytes(png()).file_name("b.png")),
            10_031_007,
        ),
        (views(5, "1111"), 10_031_009),
        (form(Vec::new(), &[]), 10_031_010),
        (form(big, &[]), 10_031_001),
        (form(b"GIF89a...".to_vec(), &[]), 10_031_005),
        (form(png(), &[("model", "hitem3dv9")]), 10_031_006),
        (
            form(
                png(),
                &[("model", "hitem3dv1.5"), ("resolution", "2048master")],
            ),
            10_031_003,
        ),
        (
            form(
                png(),
                &[
                    ("model", "hitem3dv2.1"),
                    ("resolution", "1536fast"),
                    ("face", "10"),
                ],
            ),
            10_031_002,
        ),
        (form(png(), &[("format", "9")]), 10_031_004),
        (
            form(png(), &[("request_type", "2"), ("model", "hitem3dv1.5")]),
            10_031_011,
        ),
        (
            form(
                png(),
                &[
                    ("request_type", "2"),
                    ("model", "hitem3dv1.5"),
                    ("mesh_url", "ftp://x"),
                ],
            ),
            10_031_012,
        ),
        (
            form(
                png(),
                &[
                    ("request_type", "2"),
                    ("model", "scene-portraitv2.0"),
                    ("resolution", "1536pro"),
                    ("mesh_url", "https://x/m.glb"),
                ],
            ),
            10_031_017,
        ),
        (views(2, "1100"), 200),
        (views(2, "0110"), 10_031_014),
        // What the vendor's plugin v1.0.7 sends: v2.0 at 512 and 1024, and a texture stage
        // at 512 for every model but the v2.1 ones, with pbr=0 where there is no PBR.
        (
            form(png(), &[("model", "hitem3dv2.0"), ("resolution", "512")]),
            200,
        ),
        (
            form(png(), &[("model", "hitem3dv2.0"), ("resolution", "1024")]),
            200,
        ),
        (texture("hitem3dv2.0", "512", "1"), 200),
        (texture("scene-portraitv1.5", "512", "0"), 200),
        (texture("hitem3dv1.5", "512", "0"), 200),
        (
            form(
                png(),
                &[("model", "scene-portraitv1.5"), ("resolution", "512")],
            ),
            10_031_003,
        ),
        // PBR on a model without it: refused, as the SDK refuses it before sending.
        (texture("hitem3dv1.5", "512", "1"), 10_031_015),
        (
            form(png(), &[("model", "hitem3dv1.5"), ("shading", "0.5")]),
            10_031_015,
        ),
    ];
    let mut accepted = 0;
    for (index, (form, expected)) in cases.into_iter().enumerate() {
        let body = client.submit(&token, form).await;
        assert_eq!(code(&body), expected, "case {index}: {body}");
        if expected == 200 {
            accepted += 1;
        } else {
            assert_eq!(body["data"], serde_json::json!({}), "case {index}");
        }
    }
    assert_eq!(mock.counters().tasks_created, accepted);
}

/// A texture-stage submit as the vendor's plugin sends it.
fn texture(model: &str, resolution: &str, pbr: &str) -> Form {
    form(
        png(),
        &[
            ("request_type", "2"),
            ("model", model),
            ("resolution", resolution),
            ("format", "2"),
            ("mesh_url", "https://hitem3dstatic.zaohaowu.net/m.glb"),
            ("pbr", pbr),
        ],
    )
}

#[tokio::test]
async fn an_unknown_route_is_answered_with_an_error_envelope() {
    let mock = MockService::start_with(MockConfig::manual()).await;
    let response = support::http()
        .get(format!("{}/open-api/v1/no-such-thing", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "an envelope, not an empty body"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(code(&body), 404);
    assert_eq!(body["msg"], "no such route: GET /open-api/v1/no-such-thing");
    assert_eq!(body["data"], serde_json::json!({}));
}

#[tokio::test]
async fn credits_run_out_and_failed_tasks_are_refunded() {
    let (mock, client, token) = support::session(MockConfig::manual().with_balance(30.0)).await;
    mock.fail_next_tasks(TaskFailure::State, 1);
    let first = client
        .submit(
            &token,
            form(png(), &[("model", "hitem3dv1.5"), ("resolution", "512")]),
        )
        .await;
    assert_eq!(code(&first), 200, "{first}");
    let charged = mock.balance();
    assert!(charged < 30.0);
    let task_id = first["data"]["task_id"].as_str().unwrap().to_owned();
    mock.advance(SEVEN_MINUTES);
    assert_eq!(
        client.query(&token, &task_id).await["data"]["state"],
        "failed"
    );
    assert_eq!(mock.balance(), 30.0, "refunded");

    mock.set_balance(1.0);
    let poor = client.submit(&token, form(png(), &[])).await;
    assert_eq!(code(&poor), 30_010_000);
}

#[tokio::test]
async fn generate_failed_can_come_as_an_envelope() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let task_id = client.submit_task(&token, form(png(), &[])).await;
    assert!(mock.fail_task(&task_id, TaskFailure::Envelope));
    let body = client.query(&token, &task_id).await;
    assert_eq!(
        (code(&body), body["msg"].as_str()),
        (50_010_001, Some("generate failed"))
    );
    let unknown = client.query(&token, "no-such-task").await;
    assert_eq!(code(&unknown), 40_040_000);
}

#[tokio::test]
async fn the_unfinished_task_limit_is_enforced() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    for _ in 0..10 {
        assert_eq!(code(&client.submit(&token, form(png(), &[])).await), 200);
    }
    assert_eq!(
        code(&client.submit(&token, form(png(), &[])).await),
        40_029_000
    );
    let first = mock.task_ids()[0].clone();
    mock.complete_task(&first);
    assert_eq!(code(&client.submit(&token, form(png(), &[])).await), 200);
    assert_eq!(mock.peak_unfinished_tasks(), 10);
}

#[tokio::test]
async fn links_expire_and_each_query_issues_fresh_ones() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let task_id = client
        .submit_task(&token, form(png(), &[("format", "3")]))
        .await;
    mock.complete_task(&task_id);
    let old = client.query(&token, &task_id).await["data"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(old.contains("/model.stl?"));
    mock.advance(Duration::from_secs(3600));
    let (status, _) = client.download(&old).await;
    assert_eq!(status, 403, "an hour later the link is dead");
    let new = client.query(&token, &task_id).await["data"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    assert_eq!(client.download(&new).await.0, 200);
    let tampered = new.replace("/model.stl", "/cover.png");
    assert_eq!(client.download(&tampered).await.0, 403);
}

#[tokio::test]
async fn scripted_faults_answer_once_each() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;

    mock.inject(Route::Balance, Fault::HtmlStatus(502));
    let response = client
        .http
        .get(format!("{}/open-api/v1/balance", mock.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    assert!(response.text().await.unwrap().contains("<html>"));
    assert_eq!(
        code(&client.balance(&token).await),
        200,
        "one fault, then normal"
    );

    mock.inject(
        Route::Balance,
        Fault::Envelope {
            code: 10_000_000,
            msg: "system error".to_owned(),
        },
    );
    assert_eq!(code(&client.balance(&token).await), 10_000_000);

    mock.inject(Route::Balance, Fault::Delay(Duration::from_millis(300)));
    let slow = client
        .http
        .get(format!("{}/open-api/v1/balance", mock.base_url()))
        .bearer_auth(&token)
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(slow.unwrap_err().is_timeout());

    mock.inject(Route::Query, Fault::ExpireTokens);
    assert_eq!(code(&client.query(&token, "x").await), 401);
    assert_eq!(
        code(&client.balance(&token).await),
        401,
        "the token is gone for good"
    );

    let token = client.token(&mock).await;
    mock.inject(Route::Submit, Fault::ProcessThenFail);
    let response = client
        .http
        .post(format!("{}/open-api/v1/submit-task", mock.base_url()))
        .bearer_auth(&token)
        .multipart(form(png(), &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(
        mock.counters().tasks_created,
        1,
        "the task exists although the client saw 502"
    );
}

#[tokio::test]
async fn quirks_change_the_wire_not_the_meaning() {
    let quirks = Quirks::all();
    let mock =
        MockService::start_with(MockConfig::manual().with_quirks(quirks).with_balance(0.0)).await;
    let client = Client::new(mock.base_url());
    let token = client.token(&mock).await;
    let balance = client.balance(&token).await;
    assert_eq!(balance["code"], "200");
    assert_eq!(balance["message"], "success");
    assert!(balance.get("msg").is_none());
    assert_eq!(balance["traceId"], "mock-trace-0001");
    let poor = client.submit(&token, form(png(), &[])).await;
    assert_eq!(poor["code"], "30010000");
    assert_eq!(poor["message"], "余额不足");

    mock.set_balance(100.0);
    let task_id = client.submit_task(&token, form(png(), &[])).await;
    mock.advance(Duration::from_secs(300));
    let processing = client.query(&token, &task_id).await;
    assert_eq!(processing["data"]["state"], "processing");
    assert!(processing["data"]["progress"].as_f64().unwrap() > 0.0);
    assert_eq!(processing["data"]["extra"]["mock"], true);
}

#[tokio::test]
async fn the_journal_redacts_credentials() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    client.balance(&token).await;
    let journal = mock.journal();
    assert_eq!(journal.len(), 2);
    for entry in &journal {
        let auth = entry
            .headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .unwrap();
        assert!(auth.1.ends_with("[redacted]"), "{auth:?}");
        assert!(!format!("{entry:?}").contains(&token));
    }
}

#[tokio::test]
async fn real_time_runs_at_the_configured_speed() {
    let (_mock, client, token) = support::session(MockConfig::fast()).await;
    let task_id = client.submit_task(&token, form(png(), &[])).await;
    // 7 minutes at 4200× is 100 ms; the two-minute limit only bounds a failure on a busy
    // machine.
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if client.query(&token, &task_id).await["data"]["state"] == "success" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the fast task never finished");
}

/// A PNG whose header declares `width`×`height` pixels and that holds no pixel data: a few
/// dozen bytes that would decode to gigabytes.
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13_u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32fast::hash(&ihdr).to_be_bytes());
    for empty in [&b"IDAT"[..], &b"IEND"[..]] {
        png.extend_from_slice(&0_u32.to_be_bytes());
        png.extend_from_slice(empty);
        png.extend_from_slice(&crc32fast::hash(empty).to_be_bytes());
    }
    png
}

#[tokio::test]
async fn a_picture_declaring_an_enormous_size_is_refused_from_its_header() {
    let mock = MockService::start_with(MockConfig::manual()).await;
    let client = Client::new(mock.base_url());
    let token = client.token(&mock).await;

    let refused = client
        .submit(
            &token,
            form(png_declaring(20_000, 20_000), &[("format", "2")]),
        )
        .await;

    assert_eq!(code(&refused), 10_031_001, "{refused}");
    assert!(mock.task_ids().is_empty(), "no task was made of it");
    // A JPEG's size too, though its decoder reads it only with the scan (a header alone of
    // 65535 × 32768, 2³¹ pixels, was taken).
    let mut jpeg = vec![
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x80, 0x00, 0xFF, 0xFF,
    ];
    jpeg.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
    let picture = Part::bytes(jpeg).file_name("huge.jpg");
    let huge = Form::new().part("images", picture).text("format", "2");
    let refused = client.submit(&token, huge).await;
    assert_eq!(code(&refused), 10_031_001, "{refused}");
    assert!(mock.task_ids().is_empty(), "no task was made of it");
    // A picture within the limits is still taken.
    let accepted = client.submit(&token, form(png(), &[("format", "2")])).await;
    assert_eq!(code(&accepted), 200, "{accepted}");
}

#[tokio::test]
async fn an_upload_larger_than_four_pictures_is_refused_before_it_is_parsed() {
    let mock = MockService::start_with(MockConfig::manual()).await;
    let client = Client::new(mock.base_url());
    let token = client.token(&mock).await;

    // Not even a well-formed form: parsed, it would be refused as having no picture.
    let refused: serde_json::Value = support::http()
        .post(format!("{}/open-api/v1/submit-task", mock.base_url()))
        .bearer_auth(&token)
        .header("content-type", "multipart/form-data; boundary=x")
        .body(vec![b'x'; 81_000_001])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(
        code(&refused),
        10_031_001,
        "refused by its size alone: {refused}"
    );
    assert!(mock.task_ids().is_empty());
}

#[tokio::test]
async fn download_faults_imitate_a_cdn_redirect_and_an_expired_link() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let task_id = client.submit_task(&token, form(png(), &[])).await;
    mock.complete_task(&task_id);
    let url = client.query(&token, &task_id).await["data"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    support::tls_provider();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    mock.inject(Route::Download, Fault::ExpiredLink);
    let (status, page) = client.download(&url).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&page).contains("AccessDenied"));

    mock.inject(Route::Download, Fault::Redirect);
    let moved = no_redirects.get(&url).send().await.unwrap();
    assert_eq!(moved.status(), 302);
    let location = moved.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, url.replace("/files/", "/files/edge/"));
    let (status, model) = client.download(&location).await;
    assert_eq!(status, 200, "the edge path serves the same file");
    assert_eq!(model, client.download(&url).await.1);
    assert!(!model.is_empty());
}

#[tokio::test]
async fn an_oversized_submit_is_refused_from_its_declared_length_before_its_body_arrives() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (mock, _client, token) = support::session(MockConfig::manual()).await;
    let address = mock.base_url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /open-api/v1/submit-task HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 200000000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();

    // Not one byte of the body is sent: the answer comes from the declared length alone. (A
    // server that reads the body first never answers; the limit only bounds that failure.)
    let mut answer = Vec::new();
    let mut buffer = [0_u8; 4096];
    let read_answer = async {
        while !String::from_utf8_lossy(&answer).contains('}') {
            let read = stream.read(&mut buffer).await.unwrap();
            assert_ne!(read, 0, "closed without an answer");
            answer.extend_from_slice(&buffer[..read]);
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read_answer)
        .await
        .expect("answered before the body was sent");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("10031001"), "{answer}");
    assert_eq!(mock.counters().tasks_created, 0);
}

#[tokio::test]
async fn the_simulator_mounts_on_a_callers_wiremock_server() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/mine"))
        .respond_with(wiremock::ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let mock = MockService::mount_on(&server, MockConfig::manual()).await;
    let client = Client::new(server.uri());

    let token = client.token(&mock).await;
    let task_id = client.submit_task(&token, form(png(), &[])).await;
    mock.complete_task(&task_id);
    let done = client.query(&token, &task_id).await;
    assert_eq!(done["data"]["state"], "success");
    let (status, _) = client.download(done["data"]["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let mine = client
        .http
        .get(format!("{}/mine", server.uri()))
        .send()
        .await;
    assert_eq!(
        mine.unwrap().status(),
        204,
        "the caller's own mocks still answer"
    );
}
