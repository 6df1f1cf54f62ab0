//! The capability queries generated from the spec.

use hitem3d_types::{
    ApiErrorCode, Endpoint, EndpointAuth, ImageFormat, Model, OutputFormat, RequestType,
    Resolution, Support, TaskState, View, ViewMask, limits,
};

#[test]
fn every_known_model_has_capabilities_and_a_default_it_accepts() {
    for model in Model::KNOWN {
        let caps = model.capabilities().unwrap();
        assert_eq!(
            model.accepts_resolution(&caps.default_resolution),
            Some(true),
            "{model}"
        );
        assert!(caps.face_min < caps.face_max);
        for option in caps.resolutions {
            if let Some(face) = option.recommended_face {
                assert!(
                    caps.face_range().contains(&face),
                    "{model} {}",
                    option.resolution
                );
            }
        }
    }
}

#[test]
fn model_resolution_matrix_follows_the_docs() {
    assert_eq!(
        Model::Hitem3dV1.accepts_resolution(&Resolution::R1536Pro),
        Some(false)
    );
    assert_eq!(
        Model::Hitem3dV1_5.accepts_resolution(&Resolution::R1536Pro),
        Some(true)
    );
    assert_eq!(
        Model::Hitem3dV2_1.accepts_resolution(&Resolution::R1536Fast),
        Some(true)
    );
    assert_eq!(
        Model::ScenePortraitV2_1.accepts_resolution(&Resolution::R1536ProFast),
        Some(true)
    );
    assert_eq!(
        Model::Hi3dV3_0.accepts_resolution(&Resolution::R1024),
        Some(false)
    );
    assert_eq!(
        Model::from_wire("hi3dv9").accepts_resolution(&Resolution::R512),
        None
    );
}

#[test]
fn face_ranges() {
    assert_eq!(Model::Hitem3dV1_5.face_range(), Some(100_000..=2_000_000));
    assert_eq!(Model::Hi3dV3_0.face_range(), Some(100_000..=5_000_000));
    assert_eq!(Model::from_wire("next").face_range(), None);
}

#[test]
fn staged_texture_support_keeps_the_disagreement_visible() {
    // The vendor's plugin v1.0.7 textures meshes with hitem3dv2.0; the docs say it cannot.
    assert_eq!(
        Model::Hitem3dV2_0.texture_existing_mesh(),
        Support::Unverified
    );
    assert_eq!(
        Model::ScenePortraitV2_0.texture_existing_mesh(),
        Support::Unsupported
    );
    assert_eq!(Model::Hi3dV3_0.texture_existing_mesh(), Support::Supported);
    assert_eq!(
        Model::Hitem3dV2_1.texture_existing_mesh(),
        Support::Unverified
    );
    assert!(Support::Unverified.may_be_used());
    assert!(!Support::Unsupported.may_be_used());
    assert_eq!(
        Model::from_wire("next").texture_existing_mesh(),
        Support::Unverified
    );
}

/// The service's refusal of a staged texture and the SDK's own name the same models: those
/// every source says can (a refusal for scene-portraitv2.0 suggested hitem3dv2.0, which the
/// docs say cannot either, while the service's hint named two others).
#[test]
fn the_texture_refusals_advice_names_exactly_the_models_every_source_agrees_on() {
    let agreed: Vec<String> = Model::KNOWN
        .iter()
        .filter(|model| model.texture_existing_mesh() == Support::Supported)
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        agreed,
        ["hitem3dv1", "hitem3dv1.5", "hi3dv3.0", "scene-portraitv1.5"]
    );
    let hint = ApiErrorCode::ModelCannotTextureMesh.hint();
    for model in Model::KNOWN {
        let named = hint
            .split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-'))
            .any(|word| word.trim_end_matches('.') == model.as_str());
        assert_eq!(
            named,
            agreed.contains(&model.to_string()),
            "{model} in the hint: {hint}"
        );
    }
}

#[test]
fn pbr_only_on_v2_and_later() {
    assert_eq!(
        Model::Hitem3dV1_5.capabilities().unwrap().pbr,
        Support::Unsupported
    );
    assert_eq!(
        Model::Hitem3dV2_1.capabilities().unwrap().pbr,
        Support::Supported
    );
}

#[test]
fn estimated_credits() {
    let v21 = Model::Hitem3dV2_1;
    assert_eq!(
        v21.estimated_credits(&Resolution::R1536Fast, &RequestType::GeometryAndTexture),
        Some(25)
    );
    assert_eq!(
        Model::Hi3dV3_0.estimated_credits(&Resolution::R2048Master, &RequestType::Geometry),
        Some(455)
    );
    assert_eq!(
        Model::Hitem3dV1.estimated_credits(&Resolution::R512, &RequestType::Geometry),
        None
    );
    assert_eq!(
        v21.estimated_credits(&Resolution::R512, &RequestType::Geometry),
        None
    );
}

#[test]
fn output_formats_have_extensions() {
    assert_eq!(OutputFormat::Glb.code(), 2);
    assert_eq!(OutputFormat::ThreeMf.file_extension(), "3mf");
    assert_eq!(OutputFormat::from_code(9).file_extension(), "bin");
    assert_eq!(
        OutputFormat::Glb.to_string(),
        "2",
        "Display is the wire spelling"
    );
    assert_eq!(OutputFormat::Glb.name(), Some("glb"));
}

#[test]
fn task_states() {
    assert!(TaskState::Success.is_terminal());
    assert!(TaskState::Failed.is_terminal());
    assert!(!TaskState::Queueing.is_terminal());
    assert!(!TaskState::from_wire("paused").is_terminal());
}

#[test]
fn views_in_bitmap_order_with_front_required() {
    let order: Vec<&str> = View::KNOWN.iter().map(View::as_str).collect();
    assert_eq!(order, ["front", "back", "left", "right"]);
    assert!(View::Front.is_required());
    assert!(!View::Back.is_required());
    let mask: ViewMask = [View::Left, View::Front].iter().collect();
    assert_eq!(mask.to_string(), "1010", "the docs' example: front + left");
    assert_eq!(mask.views().collect::<Vec<_>>(), [View::Front, View::Left]);
    let mut mask = ViewMask::empty();
    assert!(
        !mask.insert(&View::from_wire("top")),
        "unknown views have no bit"
    );
    assert!(mask.is_empty());
    assert!("10101".parse::<ViewMask>().is_err());
    assert!("1a10".parse::<ViewMask>().is_err());
    let padded: ViewMask = serde_json::from_str("110").unwrap();
    assert_eq!(
        padded.to_string(),
        "0110",
        "leading zeros lost to a number come back"
    );
}

#[test]
fn image_formats_are_sniffed_from_content() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let jpeg = b"\xFF\xD8\xFF\xE0\0\x10JFIF";
    let webp = b"RIFF\x24\0\0\0WEBPVP8 ";
    assert_eq!(ImageFormat::sniff(png), Some(ImageFormat::Png));
    assert_eq!(ImageFormat::sniff(jpeg), Some(ImageFormat::Jpeg));
    assert_eq!(ImageFormat::sniff(webp), Some(ImageFormat::Webp));
    assert_eq!(
        ImageFormat::sniff(b"RIFF\x24\0\0\0WAVEfmt "),
        None,
        "RIFF alone is not WebP"
    );
    assert_eq!(ImageFormat::sniff(b"GIF89a"), None);
    assert_eq!(ImageFormat::sniff(b""), None);
    assert_eq!(ImageFormat::sniff(&png[..4]), None, "truncated");
    assert_eq!(ImageFormat::Jpeg.extensions(), ["jpg", "jpeg"]);
    assert_eq!(ImageFormat::Webp.media_type(), "image/webp");
}

#[test]
fn endpoints_and_limits() {
    assert_eq!(Endpoint::SubmitTask.path(), "/open-api/v1/submit-task");
    assert_eq!(Endpoint::SubmitTask.method(), "POST");
    assert!(!Endpoint::SubmitTask.is_idempotent());
    assert!(Endpoint::QueryTask.is_idempotent());
    assert_eq!(Endpoint::GetToken.auth(), EndpointAuth::Basic);
    assert_eq!(Endpoint::Balance.auth(), EndpointAuth::Bearer);
    assert_eq!(limits::DEFAULT_BASE_URL, "https://api.hitem3d.ai");
    assert_eq!(limits::MAX_IMAGE_BYTES, 20_000_000);
    assert_eq!(limits::MAX_MULTI_VIEW_IMAGES, 4);
    assert_eq!(limits::TOKEN_LIFETIME.as_secs(), 24 * 3600);
    assert_eq!(limits::RESULT_URL_LIFETIME.as_secs(), 3600);
    assert_eq!(limits::DEFAULT_CONCURRENT_TASKS, 10);
    assert_eq!(limits::SERVER_TASK_TIMEOUT.as_secs(), 3600);
}
