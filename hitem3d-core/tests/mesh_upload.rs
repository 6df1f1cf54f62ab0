//! Meshes for `mesh_url`: their type judged from their content, and the key and signed put of
//! their upload, made from the time passed in.

use std::time::{Duration, SystemTime};

use hitem3d_core::types::{ClientId, ClientSecret};
use hitem3d_core::{
    ClientConfig, ClientCore, Input, Io, Job, MeshError, MeshFile, MeshFormat, Timestamp,
    UploadTarget,
};

fn core(seed: u64) -> ClientCore {
    let config = ClientConfig::new(ClientId::new("id"), ClientSecret::new("secret"));
    ClientCore::new(config, seed, || {}).unwrap()
}

/// 2026-11-27 12:00:00 UTC.
fn noon() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_780_800)
}

#[test]
fn each_format_is_judged_from_its_first_bytes() {
    let binary_stl = {
        let mut stl = vec![0_u8; 80];
        stl.extend_from_slice(&2_u32.to_le_bytes());
        stl.extend_from_slice(&[0; 100]);
        stl
    };
    let good: [(MeshFormat, Vec<u8>); 6] = [
        (MeshFormat::Glb, b"glTF\x02\x00\x00\x00rest".to_vec()),
        (MeshFormat::Usdz, b"PK\x03\x04rest".to_vec()),
        (MeshFormat::Fbx, b"Kaydara FBX Binary  \x00".to_vec()),
        (
            MeshFormat::Stl,
            b"solid cube\nfacet normal 0 0 1\n".to_vec(),
        ),
        (MeshFormat::Stl, binary_stl.clone()),
        (
            MeshFormat::Obj,
            b"# made by hand\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n".to_vec(),
        ),
    ];
    for (format, bytes) in good {
        assert!(MeshFile::new(bytes, format).is_ok(), "{format}");
    }
    let short_stl = binary_stl[..150].to_vec();
    let bad: [(MeshFormat, Vec<u8>); 5] = [
        (MeshFormat::Obj, vec![0, 1, 2, 3, 4]),
        (MeshFormat::Glb, b"<html><body>404</body></html>".to_vec()),
        (MeshFormat::Obj, b"<!doctype html>".to_vec()),
        (MeshFormat::Obj, b"glTF\x02\x00\x00\x00".to_vec()),
        (MeshFormat::Stl, short_stl),
    ];
    for (format, bytes) in bad {
        let error = MeshFile::new(bytes, format).unwrap_err();
        assert!(
            matches!(error, MeshError::WrongContent { .. }),
            "{format}: {error}"
        );
        assert!(error.to_string().contains("0x"), "{error}");
    }
    assert!(matches!(
        MeshFile::new(Vec::new(), MeshFormat::Glb),
        Err(MeshError::Size { len: 0, .. })
    ));
    let named = MeshFile::from_file("/meshes/chair.gltf", 10, &b"{}"[..]).unwrap_err();
    assert!(
        named
            .to_string()
            .contains("\"chair.gltf\" is not a mesh file"),
        "{named}"
    );
}

#[test]
fn the_key_follows_the_plugins_scheme_with_a_fresh_version_4_uuid() {
    let mesh = MeshFile::new(b"glTF\x02\x00\x00\x00rest".to_vec(), MeshFormat::Glb).unwrap();
    let first = core(1).upload(mesh.clone(), noon());
    let again = core(1).upload(mesh.clone(), noon());
    let other = core(2).upload(mesh, noon());
    let key = first.key();
    let (date, name) = key
        .strip_prefix("comfyui/mesh/")
        .and_then(|rest| rest.split_once('/'))
        .unwrap();
    assert_eq!(date, "2026-11-27");
    let uuid = name.strip_suffix(".glb").unwrap();
    let groups: Vec<&str> = uuid.split('-').collect();
    assert_eq!(
        groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12]
    );
    assert!(groups[2].starts_with('4'), "version 4: {uuid}");
    assert!(
        matches!(&groups[3][..1], "8" | "9" | "a" | "b"),
        "the RFC variant: {uuid}"
    );
    assert_eq!(key, again.key(), "the same seed replays");
    assert_ne!(key, other.key());
}

#[test]
fn the_put_is_signed_for_the_time_passed_in_and_carries_no_bearer_token() {
    let target = UploadTarget::new(
        "http://127.0.0.1:9/storage",
        "mock-region-1",
        "meshes",
        "http://127.0.0.1:9/public",
    )
    .unwrap();
    let config = ClientConfig::new(ClientId::new("id"), ClientSecret::new("secret"))
        .with_upload_target(target);
    let core = ClientCore::new(config, 7_u64, || {}).unwrap();
    let mesh = MeshFile::new(b"glTF\x02\x00\x00\x00rest".to_vec(), MeshFormat::Glb).unwrap();
    let mut job = core.upload(mesh, noon());
    let start = Timestamp::ZERO;

    // First the token, then the credentials call.
    let Io::Token { .. } = job.next(start) else {
        panic!("a token first")
    };
    job.on(
        Input::Token(Ok(hitem3d_core::types::AccessToken::new("t0k3n"))),
        start,
    );
    let Io::Exchange(credentials_call) = job.next(start) else {
        panic!("the credentials call")
    };
    assert_eq!(credentials_call.uri().path(), "/open-api/v1/upload/token");
    let answer = r#"{"code":200,"data":{"accessKeyId":"AKTP1","secretAccessKey":"s3cr3t","sessionKey":"STS9"},"msg":"success"}"#;
    job.on(
        Input::Answer(Ok(http::Response::new(bytes::Bytes::from_static(
            answer.as_bytes(),
        )))),
        start,
    );

    // Two seconds later, the put: signed at noon plus two seconds.
    let later = start + Duration::from_secs(2);
    let Io::Exchange(put) = job.next(later) else {
        panic!("the put")
    };
    assert_eq!(put.method(), "PUT");
    let uri = put.uri().to_string();
    assert!(
        uri.starts_with("http://127.0.0.1:9/storage/meshes/comfyui/mesh/2026-11-27/"),
        "{uri}"
    );
    assert!(uri.contains("X-Amz-Date=20261127T120002Z"), "{uri}");
    assert!(
        uri.contains("X-Amz-Credential=AKTP1%2F20261127%2Fmock-region-1%2Fs3%2Faws4_request"),
        "{uri}"
    );
    assert!(uri.contains("X-Amz-Security-Token=STS9"));
    assert!(
        !put.headers().contains_key("authorization"),
        "the bearer token stays with the API"
    );
    assert_eq!(put.headers()["content-length"], "12");
    let key = job.key().to_owned();

    job.on(
        Input::Answer(Ok(http::Response::new(bytes::Bytes::new()))),
        later,
    );
    let Io::Done(Ok(url)) = job.next(later) else {
        panic!("done")
    };
    assert_eq!(url, format!("http://127.0.0.1:9/public/{key}"));
}

#[test]
fn a_mesh_names_its_type_and_size_but_never_its_bytes() {
    assert_eq!(MeshFormat::from_extension("GLB"), Some(MeshFormat::Glb));
    assert_eq!(MeshFormat::from_extension("gltf"), None);
    assert_eq!(MeshFormat::Usdz.to_string(), "usdz");
    let mesh = MeshFile::new(b"glTF\x02\x00\x00\x00 secret".to_vec(), MeshFormat::Glb).unwrap();
    assert!(!mesh.is_empty());
    let debug = format!("{mesh:?}");
    assert!(
        debug.contains("MeshFile") && debug.contains("Glb") && debug.contains("len: 15"),
        "{debug}"
    );
    assert!(!debug.contains("secret"), "{debug}");

    // The size limit, at its edge, from a file's declared length (nothing that large is read).
    let max = hitem3d_core::types::upload::MAX_MESH_BYTES;
    assert!(MeshFile::from_file("/m/big.glb", max, &b"glTF\x02\x00\x00\x00"[..]).is_ok());
    let over =
        MeshFile::from_file("/m/big.glb", max + 1, &b"glTF\x02\x00\x00\x00"[..]).unwrap_err();
    assert!(
        over.to_string()
            .contains(&format!("it must have 1 to {max}")),
        "{over}"
    );
}

#[test]
fn upload_errors_say_whether_trying_again_may_help() {
    use hitem3d_core::{TransportFailure, UploadError};
    assert!(UploadError::Transport(TransportFailure::maybe_sent("reset")).is_transient());
    assert!(!UploadError::Transport(TransportFailure::refused("logger")).is_transient());
}

/// An upload job for the mock-like target, stepped to its first put.
fn to_first_put() -> (hitem3d_core::UploadJob, Timestamp) {
    let target = UploadTarget::new(
        "http://127.0.0.1:9/storage",
        "r",
        "b",
        "http://127.0.0.1:9/public",
    )
    .unwrap();
    let config = ClientConfig::new(ClientId::new("id"), ClientSecret::new("secret"))
        .with_upload_target(target);
    let core = ClientCore::new(config, 3_u64, || {}).unwrap();
    let mesh = MeshFile::new(b"glTF\x02\x00\x00\x00rest".to_vec(), MeshFormat::Glb).unwrap();
    let mut job = core.upload(mesh, noon());
    let now = Timestamp::ZERO;
    let Io::Token { .. } = job.next(now) else {
        panic!("a token first")
    };
    job.on(
        Input::Token(Ok(hitem3d_core::types::AccessToken::new("t"))),
        now,
    );
    let Io::Exchange(_) = job.next(now) else {
        panic!("the credentials call")
    };
    let answer = r#"{"code":200,"data":{"accessKeyId":"A","secretAccessKey":"s","sessionKey":"k"},"msg":"success"}"#;
    job.on(
        Input::Answer(Ok(http::Response::new(bytes::Bytes::from_static(
            answer.as_bytes(),
        )))),
        now,
    );
    (job, now)
}

fn status(code: u16) -> Input {
    let mut response = http::Response::new(bytes::Bytes::from_static(
        b"<Error><Code>SlowDown</Code></Error>",
    ));
    *response.status_mut() = http::StatusCode::from_u16(code).unwrap();
    Input::Answer(Ok(response))
}

#[test]
fn a_busy_storage_is_tried_three_times_after_pauses_then_reported() {
    let (mut job, mut now) = to_first_put();
    let mut puts = 0;
    let outcome = loop {
        match job.next(now) {
            Io::Exchange(request) => {
                assert_eq!(request.method(), "PUT");
                puts += 1;
                job.on(status(503), now);
            }
            Io::Sleep(until) => {
                assert!(until > now, "a pause, not a spin");
                // Not yet: it keeps pausing until the time has come.
                let Io::Sleep(again) = job.next(now) else {
                    panic!("still pausing")
                };
                assert_eq!(again, until);
                now = until;
            }
            Io::Done(outcome) => break outcome,
            _ => panic!("no other I/O in an upload"),
        }
    };
    assert_eq!(puts, 3);
    let error = outcome.unwrap_err();
    assert_eq!(
        error.to_string(),
        "the object storage refused the upload with HTTP 503 Service Unavailable (SlowDown)"
    );
    assert!(error.is_retryable());
}

#[test]
fn a_refusal_or_a_lost_connection_is_handled_once_each() {
    // A refusal (403) is final at once.
    let (mut job, now) = to_first_put();
    let Io::Exchange(_) = job.next(now) else {
        panic!("a put")
    };
    job.on(status(403), now);
    let Io::Done(Err(error)) = job.next(now) else {
        panic!("done at once")
    };
    assert!(!error.is_retryable());

    // A connection lost mid-put is tried again; the second put succeeds.
    let (mut job, now) = to_first_put();
    let Io::Exchange(_) = job.next(now) else {
        panic!("a put")
    };
    job.on(
        Input::Answer(Err(hitem3d_core::TransportFailure::maybe_sent("reset"))),
        now,
    );
    let mut later = now;
    let url = loop {
        match job.next(later) {
            Io::Sleep(until) => later = until,
            Io::Exchange(_) => job.on(status(200), later),
            Io::Done(result) => break result.unwrap(),
            _ => panic!("no other I/O"),
        }
    };
    assert!(
        url.starts_with("http://127.0.0.1:9/public/comfyui/mesh/"),
        "{url}"
    );
}

/// The put of a client given no storage, after an upload-token answer carrying `storage`.
fn put_after_answer(storage: &str) -> String {
    let config = ClientConfig::new(ClientId::new("id"), ClientSecret::new("secret"))
        .with_base_url("http://127.0.0.1:9")
        .unwrap();
    let core = ClientCore::new(config, 7_u64, || {}).unwrap();
    let mesh = MeshFile::new(b"glTF\x02\x00\x00\x00rest".to_vec(), MeshFormat::Glb).unwrap();
    let mut job = core.upload(mesh, noon());
    let start = Timestamp::ZERO;
    let Io::Token { .. } = job.next(start) else {
        panic!("a token first")
    };
    job.on(
        Input::Token(Ok(hitem3d_core::types::AccessToken::new("t0k3n"))),
        start,
    );
    let Io::Exchange(_) = job.next(start) else {
        panic!("the credentials call")
    };
    let answer = format!(
        r#"{{"code":200,"data":{{"accessKeyId":"A","secretAccessKey":"s","sessionKey":"k","storage":{storage}}},"msg":"success"}}"#
    );
    job.on(
        Input::Answer(Ok(http::Response::new(bytes::Bytes::from(answer)))),
        start,
    );
    let Io::Exchange(put) = job.next(start) else {
        panic!("the put")
    };
    put.uri().to_string()
}

/// `hitem3d mock` names its storage in its upload-token answer (the service names none), as
/// paths on its own host: a client given no storage uploads there; a storage named on any
/// other host is ignored, so an answer cannot send a mesh elsewhere.
#[test]
fn a_storage_named_on_the_apis_own_host_is_used_and_no_other() {
    let on_host =
        r#"{"endpointPath":"/storage/","region":"r","bucket":"b","publicPath":"/public/"}"#;
    let put = put_after_answer(on_host);
    assert!(
        put.starts_with("http://127.0.0.1:9/storage/b/comfyui/mesh/"),
        "{put}"
    );

    let elsewhere = r#"{"endpointPath":"https://attacker.example/","region":"r","bucket":"b","publicPath":"/public/"}"#;
    let put = put_after_answer(elsewhere);
    let default = UploadTarget::default();
    assert!(
        put.contains(default.endpoint().host_str().unwrap()),
        "the spec's storage, not the named one: {put}"
    );
    let relative_elsewhere =
        r#"{"endpointPath":"//127.0.0.2:9/","region":"r","bucket":"b","publicPath":"/public/"}"#;
    let put = put_after_answer(relative_elsewhere);
    assert!(
        !put.contains("127.0.0.2"),
        "another host, though one a client may reach: {put}"
    );
}
