//! Every request the core builds, byte for byte: method, URL, headers, body.

use hitem3d_core::http::Request;
use hitem3d_core::types::{
    AccessToken, ClientId, ClientSecret, Model, OutputFormat, ReliefFormat, ReliefModel,
    RequestType, Resolution, SplitJoint, SplitPart, TaskId, View, limits,
};
use hitem3d_core::{
    ApiRequests, BaseUrl, Body, BodySegment, ClientConfig, DEFAULT_USER_AGENT, FileSegment, Image,
    MeshFile, MeshFormat, MeshTask, NewTask, ReliefBase, ReliefTask, RequestError, RequestUrl,
    SubmitTask,
};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x06JFIF\xff\xc0\x00\x0b\x08\x00\x01\x00\x01";
const WEBP: &[u8] =
    b"RIFF\x10\x00\x00\x00WEBPVP8 \x00\x00\x00\x00\x00\x00\x00\x9d\x01\x2a\x01\x00\x01\x00";

/// The request as text: the request line, headers sorted by name, a blank line, the body
/// (lossy UTF-8, so image bytes show as replacement characters but stay counted).
fn render(request: &Request<Body>) -> String {
    let mut headers: Vec<(&str, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    headers.sort();
    let headers: Vec<String> = headers
        .into_iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    format!(
        "{} {}\n{}\n\n{}",
        request.method(),
        request.uri(),
        headers.join("\n"),
        String::from_utf8_lossy(&request.body().to_bytes().unwrap())
    )
}

fn api() -> ApiRequests {
    ApiRequests::new(BaseUrl::production())
}

fn token() -> AccessToken {
    AccessToken::new("tok*en.123")
}

#[test]
fn get_token_sends_basic_credentials_and_an_empty_object() {
    let request = api()
        .get_token(&ClientId::new("ak_0123"), &ClientSecret::new("sk_4567"))
        .unwrap();
    // base64("ak_0123:sk_4567")
    let expected = format!(
        "POST https://api.hitem3d.ai/open-api/v1/auth/token\n\
         accept: application/json\n\
         authorization: Basic YWtfMDEyMzpza180NTY3\n\
         content-length: 2\n\
         content-type: application/json\n\
         user-agent: {DEFAULT_USER_AGENT}\n\n{{}}"
    );
    assert_eq!(render(&request), expected);
    assert!(request.headers()["authorization"].is_sensitive());
}

#[test]
fn query_task_escapes_the_task_id_and_asks_for_english() {
    let request = api()
        .query_task(&token(), &TaskId::new("a+b&c=d.jjewelry-aigc-api.1N"))
        .unwrap();
    let expected = format!(
        "GET https://api.hitem3d.ai/open-api/v1/query-task?task_id=a%2Bb%26c%3Dd.jjewelry-aigc-api.1N\n\
         accept: application/json\n\
         accept-language: en-US\n\
         authorization: Bearer tok*en.123\n\
         user-agent: {DEFAULT_USER_AGENT}\n\n"
    );
    assert_eq!(render(&request), expected);
    assert!(request.headers()["authorization"].is_sensitive());
}

/// An empty id was sent, and answered "task not found"; no task has spaces in its id.
#[test]
fn a_task_id_no_task_can_have_is_not_sent() {
    for (id, reason) in [
        ("", "is empty"),
        ("a b", "has spaces or control characters"),
        ("abc\n", "has spaces or control characters"),
    ] {
        let error = api().query_task(&token(), &TaskId::new(id)).unwrap_err();
        assert_eq!(error, RequestError::InvalidTaskId(reason), "{id:?}");
    }
}

#[test]
fn each_kind_of_task_is_queried_at_its_own_endpoint() {
    let cases = [
        (
            "depth_20260312_8f92ab3e1cde",
            "/open-api/v1/depth/query-task",
        ),
        ("split_20260312_01", "/open-api/v1/split/query-task"),
        (
            "segmentation_20260312_01",
            "/open-api/v1/segmentation/query-task",
        ),
        (
            "multicolor_20260312_01",
            "/open-api/v1/muilticolor/query-task",
        ),
        (
            "2c2ad20c.jjewelry-aigc-api.1NraEb5ohU",
            "/open-api/v1/query-task",
        ),
        // A prefix in the middle of an id is no prefix.
        ("x.depth_1", "/open-api/v1/query-task"),
    ];
    for (task_id, path) in cases {
        let request = api().query_task(&token(), &TaskId::new(task_id)).unwrap();
        assert_eq!(request.uri().path(), path, "{task_id}");
        assert_eq!(request.method(), "GET");
    }
}

#[test]
fn balance_is_a_plain_authorized_get() {
    let request = api().balance(&token()).unwrap();
    let expected = format!(
        "GET https://api.hitem3d.ai/open-api/v1/balance\n\
         accept: application/json\n\
         accept-language: en-US\n\
         authorization: Bearer tok*en.123\n\
         user-agent: {DEFAULT_USER_AGENT}\n\n"
    );
    assert_eq!(render(&request), expected);
}

#[test]
fn downloads_never_carry_the_token() {
    let url = "https://hitem3dstatic.zaohaowu.net/x/GLB0.glb?auth_key=1-2-3";
    let request = api().download(url).unwrap();
    let expected = format!(
        "GET {url}\n\
         accept: */*\n\
         user-agent: {DEFAULT_USER_AGENT}\n\n"
    );
    assert_eq!(render(&request), expected);
    assert!(api().download("/relative/0.glb").is_err());
    assert!(api().download("ftp://host/0.glb").is_err());
}

#[test]
fn a_base_url_with_a_path_prefix_and_a_custom_user_agent() {
    let api = ApiRequests::new(BaseUrl::parse("http://127.0.0.1:8080/proxy/").unwrap())
        .with_user_agent("my-app/2.0")
        .unwrap();
    let request = api.balance(&token()).unwrap();
    assert_eq!(
        request.uri(),
        "http://127.0.0.1:8080/proxy/open-api/v1/balance"
    );
    assert_eq!(request.headers()["user-agent"], "my-app/2.0");
    assert!(
        ApiRequests::new(BaseUrl::production())
            .with_user_agent("bad\nagent")
            .is_err()
    );
}

/// The boundary the core derives from seed 7, pinned so that a change shows up here.
const SEED: u64 = 7;

fn boundary_of(request: &Request<Body>) -> String {
    let content_type = request.headers()["content-type"].to_str().unwrap();
    content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap()
        .to_owned()
}

#[test]
fn submit_single_image_multipart_is_byte_exact() {
    let task = SubmitTask::builder(Model::Hitem3dV2_1)
        .image(Image::new(PNG))
        .resolution(Resolution::R1536Pro)
        .face(500_000)
        .format(OutputFormat::Glb)
        .callback_url("https://example.com/cb?x=1")
        .pbr(true)
        .build()
        .unwrap();
    let request = api().submit_task(&token(), &task, SEED).unwrap();
    let b = boundary_of(&request);
    assert_eq!(
        b, "hitem3d-b8b4c2977eabce45a65305fd338ec8fe",
        "the seeded boundary"
    );
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"request_type\"\r\n\r\n3\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nhitem3dv2.1\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"resolution\"\r\n\r\n1536pro\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"face\"\r\n\r\n500000\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\n2\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"callback_url\"\r\n\r\nhttps://example.com/cb?x=1\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"pbr\"\r\n\r\n1\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"images\"; filename=\"image.png\"\r\n\
         Content-Type: image/png\r\n\r\n{}\r\n\
         --{b}--\r\n",
        String::from_utf8_lossy(PNG)
    );
    let expected = format!(
        "POST https://api.hitem3d.ai/open-api/v1/submit-task\n\
         accept: application/json\n\
         authorization: Bearer tok*en.123\n\
         content-length: {}\n\
         content-type: multipart/form-data; boundary={b}\n\
         user-agent: {DEFAULT_USER_AGENT}\n\n{body}",
        request.body().len()
    );
    assert_eq!(render(&request), expected);
    // Content-Length is the real byte count (the rendering above is lossy for image bytes).
    let raw = request.body().to_bytes().unwrap();
    assert_eq!(raw.len() as u64, request.body().len());
    let png_at = raw.windows(PNG.len()).position(|w| w == PNG).unwrap();
    assert_eq!(&raw[png_at..png_at + PNG.len()], PNG);
}

#[test]
fn submit_multi_view_orders_parts_by_bit_and_derives_the_bitmap() {
    // Given out of order: the core sorts them front, back, left, right.
    let task = SubmitTask::builder(Model::Hitem3dV1_5)
        .view(View::Left, Image::new(WEBP))
        .view(View::Front, Image::new(PNG))
        .view(View::Back, Image::new(JPEG))
        .request_type(RequestType::Geometry)
        .resolution(Resolution::R1024)
        .format(OutputFormat::Stl)
        .build()
        .unwrap();
    let request = api().submit_task(&token(), &task, SEED).unwrap();
    let b = boundary_of(&request);
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"request_type\"\r\n\r\n1\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nhitem3dv1.5\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"resolution\"\r\n\r\n1024\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\n3\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"multi_images_bit\"\r\n\r\n1110\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"multi_images\"; filename=\"front.png\"\r\n\
         Content-Type: image/png\r\n\r\n{}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"multi_images\"; filename=\"back.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n{}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"multi_images\"; filename=\"left.webp\"\r\n\
         Content-Type: image/webp\r\n\r\n{}\r\n\
         --{b}--\r\n",
        String::from_utf8_lossy(PNG),
        String::from_utf8_lossy(JPEG),
        String::from_utf8_lossy(WEBP),
    );
    let rendered = render(&request);
    let (_, actual_body) = rendered.split_once("\n\n").unwrap();
    assert_eq!(actual_body, body);
}

#[test]
fn submit_texture_sends_the_mesh_url() {
    let task = SubmitTask::builder(Model::Hi3dV3_0)
        .image(Image::new(JPEG))
        .request_type(RequestType::Texture)
        .mesh_url("https://hitem3dstatic.zaohaowu.net/m/0.glb")
        .build()
        .unwrap();
    let request = api().submit_task(&token(), &task, SEED).unwrap();
    let body = String::from_utf8_lossy(&request.body().to_bytes().unwrap()).into_owned();
    assert!(
        body.contains("name=\"mesh_url\"\r\n\r\nhttps://hitem3dstatic.zaohaowu.net/m/0.glb\r\n")
    );
    assert!(body.contains("name=\"request_type\"\r\n\r\n2\r\n"));
    assert!(body.contains("filename=\"image.jpg\"\r\nContent-Type: image/jpeg\r\n"));
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_another_boundary() {
    let task = SubmitTask::builder(Model::Hitem3dV2_0)
        .image(Image::new(PNG))
        .build()
        .unwrap();
    let a = api().submit_task(&token(), &task, 1).unwrap();
    let b = api().submit_task(&token(), &task, 1).unwrap();
    let c = api().submit_task(&token(), &task, 2).unwrap();
    assert_eq!(a.body().to_bytes().unwrap(), b.body().to_bytes().unwrap());
    assert_ne!(boundary_of(&a), boundary_of(&c));
}

#[test]
fn a_picture_on_disk_is_checked_from_its_length_and_head_and_sent_as_a_file_part() {
    let on_disk =
        |len: u64, head: &[u8]| Image::from_file("/p/secret/front.png", len, head).unwrap();

    // Checked before anything is sent, like a picture in memory: too large, not a picture.
    let error = SubmitTask::builder(Model::Hitem3dV2_1)
        .image(on_disk(limits::MAX_IMAGE_BYTES + 1, PNG))
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("at most"), "{error}");
    let error = SubmitTask::builder(Model::Hitem3dV2_1)
        .image(on_disk(1000, b"GIF89a...."))
        .build()
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("image /p/secret/front.png: a GIF picture"),
        "{error}"
    );

    // Sent as a file part between its headers, named by its sniffed format, not its path.
    let task = SubmitTask::builder(Model::Hitem3dV2_1)
        .image(on_disk(19_900_000, PNG))
        .build()
        .unwrap();
    let request = api().submit_task(&token(), &task, SEED).unwrap();
    let body = request.body();
    let files: Vec<&FileSegment> = body
        .segments()
        .iter()
        .filter_map(|segment| match segment {
            BodySegment::File(file) => Some(file),
            BodySegment::Bytes(_) => None,
        })
        .collect();
    assert_eq!(
        files,
        [&FileSegment::new("/p/secret/front.png", 19_900_000)]
    );
    let headers: Vec<u8> = body
        .segments()
        .iter()
        .filter_map(|segment| match segment {
            BodySegment::Bytes(bytes) => Some(bytes.to_vec()),
            BodySegment::File(_) => None,
        })
        .flatten()
        .collect();
    assert_eq!(body.len(), 19_900_000 + headers.len() as u64);
    let text = String::from_utf8(headers).unwrap();
    // Its own name (a stand-in's rules and the service's logs can name it), never its
    // directory.
    assert!(text.contains("filename=\"front.png\""), "{text}");
    assert!(!text.contains("secret"), "{text}");
    let odd = SubmitTask::builder(Model::Hitem3dV2_1)
        .image(Image::from_file("/p/my \"chair\"; 1.PNG", 1000, PNG).unwrap())
        .build()
        .unwrap();
    let text = String::from_utf8_lossy(
        &api()
            .submit_task(&token(), &odd, SEED)
            .unwrap()
            .body()
            .segments()
            .iter()
            .filter_map(|segment| match segment {
                BodySegment::Bytes(bytes) => Some(bytes.to_vec()),
                BodySegment::File(_) => None,
            })
            .flatten()
            .collect::<Vec<u8>>(),
    )
    .into_owned();
    assert!(text.contains("filename=\"my__chair___1.png\""), "{text}");
    assert_eq!(
        request.headers()["content-length"],
        body.len().to_string().as_str()
    );
}

#[test]
fn every_request_carries_the_url_it_was_built_from() {
    let base = BaseUrl::parse("http://127.0.0.1:8080/proxy/").unwrap();
    let api = ApiRequests::new(base).with_request_urls(true);
    let task = SubmitTask::builder(Model::Hitem3dV1_5)
        .image(Image::new(PNG.to_vec()))
        .build()
        .unwrap();
    let requests = [
        api.get_token(&ClientId::new("id"), &ClientSecret::new("secret"))
            .unwrap(),
        api.submit_task(&token(), &task, SEED).unwrap(),
        api.query_task(&token(), &TaskId::new("a+b/c")).unwrap(),
        api.balance(&token()).unwrap(),
        api.download("https://cdn.example/m.glb?sig=x y").unwrap(),
    ];
    for request in &requests {
        let url = RequestUrl::of(request).expect("a parsed URL beside the URI");
        assert_eq!(url.as_str(), request.uri().to_string());
    }
}

#[test]
fn api_requests_carry_their_url_only_when_asked_to() {
    let plain = api().query_task(&token(), &TaskId::new("t-1")).unwrap();
    assert!(RequestUrl::of(&plain).is_none());
    let download = api().download("https://cdn.example/m.glb").unwrap();
    assert!(RequestUrl::of(&download).is_some());
    let config = ClientConfig::new(ClientId::new("id"), ClientSecret::new("secret"));
    let requests = config.with_request_urls(true).requests().unwrap();
    assert!(RequestUrl::of(&requests.balance(&token()).unwrap()).is_some());
}

#[test]
fn a_rewritten_uri_outranks_the_url_the_request_was_built_with() {
    let mut request = api().with_request_urls(true).balance(&token()).unwrap();
    let original = request.uri().clone();
    for rewritten in [
        "http://api.hitem3d.ai/open-api/v1/balance",
        "https://other.example/open-api/v1/balance",
        "https://api.hitem3d.ai:8443/open-api/v1/balance",
        "https://api.hitem3d.ai/open-api/v1/balance?x=1",
    ] {
        *request.uri_mut() = rewritten.parse().unwrap();
        assert!(RequestUrl::of(&request).is_none(), "{rewritten}");
    }
    *request.uri_mut() = original;
    assert!(RequestUrl::of(&request).is_some());
}

#[test]
fn a_relief_task_is_created_at_the_depth_endpoint_with_an_image_part() {
    let task = ReliefTask::builder(ReliefFormat::Png)
        .image(Image::new(PNG.to_vec()))
        .model(ReliefModel::Pro)
        .remove_background(false)
        .base(ReliefBase::Circle)
        .base_thickness_mm(2.0)
        .engrave(true)
        .callback_url("https://example.com/hook")
        .build()
        .unwrap();
    let request = api()
        .create_task(&token(), &NewTask::from(task), SEED)
        .unwrap();
    assert_eq!(request.method(), "POST");
    assert_eq!(request.uri().path(), "/open-api/v1/depth/create-task");
    let body = String::from_utf8_lossy(&request.body().to_bytes().unwrap()).into_owned();
    let boundary = boundary_of(&request);
    let field = |name: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    };
    let mut expected = String::new();
    for (name, value) in [
        ("format", "2"),
        ("model_type", "pro"),
        ("rmbg", "0"),
        ("shape_base", "1"),
        ("sculpmode", "1"),
        ("thickness_base", "2"),
        ("callback_url", "https://example.com/hook"),
    ] {
        expected.push_str(&field(name, value));
    }
    assert!(body.starts_with(&expected), "{body}");
    assert!(
        body.contains("name=\"image\"; filename=\"image.png\"\r\nContent-Type: image/png"),
        "{body}"
    );
    assert!(request.headers()["authorization"].is_sensitive());
}

#[test]
fn a_split_is_created_at_its_endpoint_with_a_mesh_part() {
    let glb = MeshFile::new(b"glTF\x02\x00\x00\x00 rest".to_vec(), MeshFormat::Glb).unwrap();
    let task = MeshTask::split_character(SplitPart::D, SplitJoint::Pin)
        .mesh(glb)
        .merge(true)
        .build()
        .unwrap();
    let request = api()
        .create_task(&token(), &NewTask::from(task), SEED)
        .unwrap();
    assert_eq!(request.uri().path(), "/open-api/v1/split/create-task");
    let body = String::from_utf8_lossy(&request.body().to_bytes().unwrap()).into_owned();
    let boundary = boundary_of(&request);
    let mut expected = String::new();
    for (name, value) in [
        ("model", "character"),
        ("part", "d"),
        ("joint", "pin"),
        ("merge", "yes"),
        ("format", "2"),
    ] {
        expected.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    assert!(body.starts_with(&expected), "{body}");
    assert!(
        body.contains("name=\"mesh\"; filename=\"mesh.glb\"\r\nContent-Type: model/gltf-binary"),
        "{body}"
    );
    let multicolor = MeshTask::multicolor(5)
        .mesh_url("https://example.com/m.glb")
        .format(OutputFormat::ThreeMf)
        .build()
        .unwrap();
    let request = api()
        .create_task(&token(), &NewTask::from(multicolor), SEED)
        .unwrap();
    assert_eq!(request.uri().path(), "/open-api/v1/muilticolor/create-task");
    let body = String::from_utf8_lossy(&request.body().to_bytes().unwrap()).into_owned();
    for field in [
        "name=\"model\"\r\n\r\nmulticolor",
        "name=\"number_color\"\r\n\r\n5",
        "name=\"format\"\r\n\r\n6",
        "name=\"mesh_url\"\r\n\r\nhttps://example.com/m.glb",
    ] {
        assert!(body.contains(field), "{field}: {body}");
    }
}
