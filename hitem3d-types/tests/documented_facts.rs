//! The documented facts, pinned with literal values copied from `shared/hitem3d-api.md`
//! (§3.2–§3.5, §13, §14), independent of the spec tables the code is generated from: a wrong
//! table fails here even when the client and the mock agree with each other.

use hitem3d_types::{
    ApiErrorCode, Model, OutputFormat, RequestType, TaskType, View, ViewMask, limits,
};

fn resolutions(model: &Model) -> Vec<String> {
    let mut names: Vec<String> = model
        .capabilities()
        .unwrap()
        .resolutions
        .iter()
        .map(|option| option.resolution.to_string())
        .collect();
    names.sort();
    names
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    names.sort();
    names
}

#[test]
fn resolutions_per_model_as_documented() {
    // §3.2: the docs' lists where they state one, the clients' consistent reading otherwise,
    // and the vendor's newest code over older docs (issue 17: v2.0 at 512 and 1024).
    let table: &[(&str, &[&str])] = &[
        ("hitem3dv1", &["512", "1024", "1536"]),
        ("hitem3dv1.5", &["512", "1024", "1536", "1536pro"]),
        ("hitem3dv2.0", &["512", "1024", "1536", "1536pro"]),
        ("hitem3dv2.1", &["1536fast", "1536pro"]),
        ("hi3dv3.0", &["2048quality", "2048master"]),
        ("scene-portraitv1.5", &["1536"]),
    ];
    for (model, expected) in table {
        let model = Model::from_wire(model);
        assert!(model.is_known(), "{model}");
        assert_eq!(resolutions(&model), sorted(expected), "{model}");
    }
    // scene-portraitv2.1's fast tier is spelled `1536profast` by the vendor's plugin.
    assert!(
        resolutions(&Model::from_wire("scene-portraitv2.1")).contains(&"1536profast".to_owned())
    );
}

#[test]
fn face_ranges_as_documented() {
    // §3.3: 100000–2000000 for every model but hi3d-3.0, which takes up to 5000000.
    for model in ["hitem3dv1", "hitem3dv1.5", "hitem3dv2.0", "hitem3dv2.1"] {
        assert_eq!(
            Model::from_wire(model).face_range(),
            Some(100_000..=2_000_000),
            "{model}"
        );
    }
    assert_eq!(
        Model::from_wire("hi3dv3.0").face_range(),
        Some(100_000..=5_000_000)
    );
    // The docs' 100000–2000000 is the one range given for the scene models too (raising
    // scene-portrait's maximum in the spec survived every test).
    for model in [
        "scene-portraitv1.5",
        "scene-portraitv2.0",
        "scene-portraitv2.1",
    ] {
        assert_eq!(
            Model::from_wire(model).face_range(),
            Some(100_000..=2_000_000),
            "{model}"
        );
    }
}

#[test]
fn format_codes_as_documented() {
    // §3.5.
    let table = [
        (1, "obj"),
        (2, "glb"),
        (3, "stl"),
        (4, "fbx"),
        (5, "usdz"),
        (6, "3mf"),
    ];
    for (code, name) in table {
        let format = OutputFormat::from_code(code);
        assert!(format.is_known(), "{code}");
        assert_eq!(format.name(), Some(name), "{code}");
    }
    assert_eq!(RequestType::Geometry.code(), 1);
    assert_eq!(RequestType::Texture.code(), 2);
    assert_eq!(RequestType::GeometryAndTexture.code(), 3);
}

#[test]
fn the_view_bitmap_reads_front_back_left_right() {
    // §3.4: `1010` holds the front and the left view.
    let mask: ViewMask = "1010".parse().unwrap();
    assert!(mask.contains(&View::Front));
    assert!(!mask.contains(&View::Back));
    assert!(mask.contains(&View::Left));
    assert!(!mask.contains(&View::Right));
}

#[test]
fn error_codes_as_documented() {
    // §3.7 and §13: number and message.
    let table: &[(i64, &str)] = &[
        (10_031_001, "Upload file size exceeds limit"),
        (10_031_002, "Face not valid"),
        (10_031_003, "Resolution not valid"),
        (10_031_004, "format not support"),
        (10_031_005, "images only allow png jpeg jpg webp"),
        (10_031_006, "model only allow hitem3dv1 hitem3dv1.5"),
        (10_031_007, "both images and multi images provided"),
        (10_031_008, "images or multi images required"),
        (10_031_009, "multi images count exceeds limit"),
        (10_031_010, "empty file not allowed"),
        (10_031_011, "mesh url required when request type 2"),
        (10_031_012, "mesh_url_must_start_with_http"),
        (10_000_000, "system error"),
        (30_010_000, "balance is not enough"),
        (40_010_000, "client credentials are invalid"),
        (50_010_001, "generate failed"),
    ];
    for (code, message) in table {
        let known = ApiErrorCode::from_code(*code);
        assert!(known.is_known(), "{code}");
        assert_eq!(
            known.info().map(|info| info.message),
            Some(*message),
            "{code}"
        );
    }
}

#[test]
fn prices_as_measured_and_listed() {
    // §14 B and C: the live measurement (25 credits for v2.1 at 1536fast) and hi3d-cli's
    // catalogue, which mirrors the pricing page.
    let price = |model: &str, resolution: &str| {
        Model::from_wire(model).estimated_credits(
            &resolution.parse().unwrap(),
            &RequestType::GeometryAndTexture,
        )
    };
    assert_eq!(price("hitem3dv2.1", "1536fast"), Some(25));
    assert_eq!(price("hitem3dv2.1", "1536pro"), Some(45));
    assert_eq!(price("hi3dv3.0", "2048quality"), Some(105));
    assert_eq!(price("hi3dv3.0", "2048master"), Some(455));
    // §14 B, model by model (changing v1.5 at 1024 in the spec survived every test).
    let listed: &[(&str, &str, u32)] = &[
        ("hitem3dv1.5", "512", 15),
        ("hitem3dv1.5", "1024", 20),
        ("hitem3dv1.5", "1536", 30),
        ("hitem3dv2.0", "1536", 35),
        ("scene-portraitv1.5", "1536", 30),
        ("scene-portraitv2.1", "1536pro", 45),
        // §14 C: measured live, the fast tier spelled as the vendor's plugin does.
        ("scene-portraitv2.1", "1536profast", 25),
    ];
    for (model, resolution, credits) in listed {
        assert_eq!(
            price(model, resolution),
            Some(*credits),
            "{model} {resolution}"
        );
    }
    // §14 B: "retexture (request_type=2, hi3dv3.0) same as image_to_3d (105 / 455)".
    let retexture = |resolution: &str| {
        Model::from_wire("hi3dv3.0")
            .estimated_credits(&resolution.parse().unwrap(), &RequestType::Texture)
    };
    assert_eq!(retexture("2048quality"), Some(105));
    assert_eq!(retexture("2048master"), Some(455));
    // §14 A, where B has no price: v1.5 and v2.0 at 1536pro, 60 / 70 / 70 by request type.
    for model in ["hitem3dv1.5", "hitem3dv2.0"] {
        let by_type = |request_type: RequestType| {
            Model::from_wire(model).estimated_credits(&"1536pro".parse().unwrap(), &request_type)
        };
        assert_eq!(by_type(RequestType::Geometry), Some(60), "{model}");
        assert_eq!(
            by_type(RequestType::GeometryAndTexture),
            Some(70),
            "{model}"
        );
    }
    // §14 B: the other task kinds, one price each (changing the split's survived every test).
    assert_eq!(TaskType::Split.credits(), Some(20));
    assert_eq!(TaskType::Relief.credits(), Some(10));
    assert_eq!(TaskType::Multicolor.credits(), Some(20));
    assert_eq!(
        TaskType::Segmentation.credits(),
        None,
        "no source prices it"
    );
}

#[test]
fn limits_as_documented() {
    assert_eq!(
        limits::MAX_IMAGE_BYTES,
        20_000_000,
        "20 MB, read as decimal"
    );
    assert_eq!(limits::MAX_MULTI_VIEW_IMAGES, 4);
    assert_eq!(limits::DEFAULT_CONCURRENT_TASKS, 10);
    assert_eq!(limits::TOKEN_LIFETIME.as_secs(), 24 * 3600);
    assert_eq!(limits::RESULT_URL_LIFETIME.as_secs(), 3600);
    assert_eq!(limits::SERVER_TASK_TIMEOUT.as_secs(), 60 * 60);
}
