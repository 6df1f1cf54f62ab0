//! Properties over arbitrary input: decoders never panic, multipart parses back with an
//! independent parser, valid submits pass, and each single broken rule is pinned to its field.

use std::convert::Infallible;

use bytes::Bytes;
use futures_util::stream;
use hitem3d_core::http::Response;
use hitem3d_core::types::{Model, OutputFormat, RequestType, Resolution, View};
use hitem3d_core::{
    BodySegment, Boundary, Image, MultipartForm, Remedy, SubmitField, SubmitTask,
    SubmitTaskBuilder, decode, parse_callback,
};
use proptest::prelude::*;
use proptest::sample::select;

// ---- decoders never panic ----

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
        select(vec![
            "200", "0", "401", "success", "failed", "task_id", "code", "data"
        ])
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                select(vec![
                    "code",
                    "data",
                    "msg",
                    "message",
                    "task_id",
                    "state",
                    "url",
                    "cover_url",
                    "id",
                    "progress",
                    "accessToken",
                    "totalBalance",
                    "balance",
                    "x",
                ])
                .prop_map(str::to_owned),
                inner,
                0..8,
            )
            .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

fn run_every_decoder(status: u16, body: &[u8]) {
    let response = Response::builder().status(status).body(body).unwrap();
    let _ = decode::token(&response);
    let _ = decode::submit_task(&response);
    let _ = decode::query_task(&response);
    let _ = decode::balance(&response);
    let _ = parse_callback(body);
    // Every error renders (Display must not panic either).
    if let Err(error) = decode::query_task(&response) {
        let _ = error.to_string();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(
        status in select(vec![200_u16, 401, 403, 429, 500, 502]),
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        run_every_decoder(status, &body);
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_json(
        status in select(vec![200_u16, 401, 500]),
        value in json_value(),
    ) {
        run_every_decoder(status, &serde_json::to_vec(&value).unwrap());
    }

    #[test]
    fn decoders_never_panic_on_envelopes_with_arbitrary_data(
        code in select(vec![serde_json::json!(200), serde_json::json!("200"), serde_json::json!(0), serde_json::json!(401), serde_json::json!(50010001)]),
        data in json_value(),
    ) {
        let body = serde_json::json!({"code": code, "data": data, "msg": "m"});
        run_every_decoder(200, &serde_json::to_vec(&body).unwrap());
    }
}

// ---- multipart round trip through multer ----

#[derive(Debug, Clone)]
enum PartSpec {
    Text {
        name: String,
        value: String,
    },
    File {
        name: String,
        file_name: String,
        content_type: String,
        data: Vec<u8>,
    },
}

fn part_spec() -> impl Strategy<Value = PartSpec> {
    let name = "[a-z_]{1,12}";
    prop_oneof![
        (name, any::<String>()).prop_map(|(name, value)| PartSpec::Text { name, value }),
        (
            name,
            "[^\"\\\\\r\n\u{0}-\u{1f}\u{7f}]{0,24}",
            select(vec![
                "image/png",
                "image/jpeg",
                "image/webp",
                "application/octet-stream"
            ]),
            prop::collection::vec(any::<u8>(), 0..2048),
        )
            .prop_map(|(name, file_name, content_type, data)| PartSpec::File {
                name,
                file_name,
                content_type: content_type.to_owned(),
                data,
            }),
    ]
}

#[derive(Debug, PartialEq)]
struct Parsed {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

fn parse_with_multer(boundary: &str, segments: &[BodySegment]) -> Vec<Parsed> {
    let segments: Vec<Bytes> = segments
        .iter()
        .map(|segment| match segment {
            BodySegment::Bytes(bytes) => bytes.clone(),
            BodySegment::File(_) => unreachable!("these forms hold no file on disk"),
        })
        .collect();
    let body = stream::iter(segments.into_iter().map(Ok::<_, Infallible>));
    let mut multipart = multer::Multipart::new(body, boundary);
    futures_executor::block_on(async {
        let mut parsed = Vec::new();
        while let Some(field) = multipart.next_field().await.unwrap() {
            let name = field.name().unwrap().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(ToString::to_string);
            let data = field.bytes().await.unwrap().to_vec();
            parsed.push(Parsed {
                name,
                file_name,
                content_type,
                data,
            });
        }
        parsed
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn multipart_parses_back_to_the_same_fields_and_bytes(
        parts in prop::collection::vec(part_spec(), 0..8),
        seed in any::<u64>(),
    ) {
        let mut form = MultipartForm::new();
        for part in &parts {
            match part {
                PartSpec::Text { name, value } => { form.text(name.clone(), value.clone()); }
                PartSpec::File { name, file_name, content_type, data } => {
                    form.file(name.clone(), file_name.clone(), content_type.clone(), Bytes::from(data.clone()));
                }
            }
        }
        let (boundary, body) = form.encode_with_seed(seed);
        let total: u64 = body.segments().iter().map(BodySegment::len).sum();
        prop_assert_eq!(total, body.len());
        let parsed = parse_with_multer(boundary.as_str(), body.segments());
        let expected: Vec<Parsed> = parts
            .iter()
            .map(|part| match part {
                PartSpec::Text { name, value } => Parsed {
                    name: name.clone(),
                    file_name: None,
                    content_type: None,
                    data: value.as_bytes().to_vec(),
                },
                PartSpec::File { name, file_name, content_type, data } => Parsed {
                    name: name.clone(),
                    file_name: Some(file_name.clone()),
                    content_type: Some(content_type.clone()),
                    data: data.clone(),
                },
            })
            .collect();
        prop_assert_eq!(parsed, expected);
    }
}

#[test]
fn multipart_escapes_quotes_so_multer_still_sees_one_file() {
    let mut form = MultipartForm::new();
    form.file(
        "images",
        "evil\"; name=\"x.png",
        "image/png",
        Bytes::from_static(b"1"),
    );
    let boundary = Boundary::new("b0undary").unwrap();
    let body = form.encode(&boundary).unwrap();
    let parsed = parse_with_multer("b0undary", body.segments());
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].name, "images");
    assert_eq!(
        parsed[0].file_name.as_deref(),
        Some("evil%22; name=%22x.png")
    );
}

// ---- submit validation ----

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x06JFIF\xff\xc0\x00\x0b\x08\x00\x01\x00\x01";
const WEBP: &[u8] =
    b"RIFF\x10\x00\x00\x00WEBPVP8 \x00\x00\x00\x00\x00\x00\x00\x9d\x01\x2a\x01\x00\x01\x00";
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00";

fn picture() -> impl Strategy<Value = Image> {
    select(vec![PNG, JPEG, WEBP]).prop_map(Image::new)
}

/// A submit that satisfies every rule for its model.
fn valid_submit() -> impl Strategy<Value = SubmitTaskBuilder> {
    (
        select(Model::KNOWN.to_vec()),
        any::<u64>(),
        picture(),
        prop::collection::vec(select(vec![PNG, JPEG, WEBP]), 4),
    )
        .prop_map(|(model, dice, single, pictures)| {
            let caps = model.capabilities().unwrap();
            let pick = |n: usize, salt: u32| {
                usize::try_from(dice.rotate_left(salt) % n as u64).expect("below n")
            };
            let mut builder = SubmitTask::builder(model.clone());
            if pick(2, 1) == 0 {
                builder = builder.image(single);
            } else {
                let count = 2 + pick(3, 2);
                let others = [View::Back, View::Left, View::Right];
                // Each view a picture of its own: one picture for two views is refused.
                let own = |i: usize| {
                    let mut bytes = pictures[i].to_vec();
                    bytes.push(u8::try_from(i).expect("a view's number"));
                    Image::new(bytes)
                };
                builder = builder.view(View::Front, own(0));
                for (i, view) in others.iter().take(count - 1).enumerate() {
                    builder = builder.view(view.clone(), own(i + 1));
                }
            }
            let option = &caps.resolutions[pick(caps.resolutions.len(), 3)];
            if pick(2, 4) == 0 {
                builder = builder.resolution(option.resolution.clone());
            }
            if pick(2, 5) == 0 {
                let span = u64::from(caps.face_max - caps.face_min) + 1;
                let face = caps.face_min + u32::try_from(dice.rotate_left(6) % span).unwrap();
                builder = builder.face(face);
            }
            builder =
                builder.format(OutputFormat::KNOWN[pick(OutputFormat::KNOWN.len(), 7)].clone());
            let request_type = match pick(3, 8) {
                0 => RequestType::Geometry,
                1 if caps.texture_existing_mesh.may_be_used() => RequestType::Texture,
                _ => RequestType::GeometryAndTexture,
            };
            if request_type == RequestType::Texture {
                builder = builder.mesh_url("https://hitem3dstatic.zaohaowu.net/m/0.glb");
            }
            let textured = request_type != RequestType::Geometry;
            builder = builder.request_type(request_type);
            if textured && caps.pbr.may_be_used() && pick(2, 9) == 0 {
                builder = builder.pbr(true);
            }
            if textured && caps.shading.may_be_used() && pick(2, 10) == 0 {
                builder = builder.shading(f64::from(u32::try_from(dice % 11).unwrap()) / 10.0);
            }
            if pick(2, 11) == 0 {
                builder = builder.callback_url("https://example.com/hooks/hitem3d");
            }
            builder
        })
}

#[derive(Debug, Clone, Copy)]
enum Breakage {
    NoPicture,
    ImageAndViews,
    EmptyImage,
    GifImage,
    NoFrontView,
    OneView,
    SamePictureTwice,
    FaceTooHigh,
    FaceTooLow,
    ResolutionOfAnotherModel,
    UnknownModel,
    UnknownFormat,
    TextureWithoutMesh,
    RelativeMeshUrl,
    MeshUrlWithoutTexture,
    RelativeCallbackUrl,
    ShadingOutOfRange,
}

/// What each breakage asks the caller to do, as data a front-end words its own way.
fn remedy_of(breakage: Breakage) -> Remedy {
    match breakage {
        Breakage::NoPicture
        | Breakage::NoFrontView
        | Breakage::OneView
        | Breakage::TextureWithoutMesh => Remedy::Add,
        Breakage::ImageAndViews => Remedy::KeepOne,
        Breakage::EmptyImage | Breakage::GifImage => Remedy::ReplaceFile,
        Breakage::MeshUrlWithoutTexture => Remedy::Remove,
        Breakage::FaceTooHigh
        | Breakage::FaceTooLow
        | Breakage::ResolutionOfAnotherModel
        | Breakage::UnknownModel
        | Breakage::UnknownFormat
        | Breakage::RelativeMeshUrl
        | Breakage::RelativeCallbackUrl
        | Breakage::ShadingOutOfRange => Remedy::Change,
        Breakage::SamePictureTwice => Remedy::Distinct,
    }
}

const BREAKAGES: &[Breakage] = &[
    Breakage::NoPicture,
    Breakage::ImageAndViews,
    Breakage::EmptyImage,
    Breakage::GifImage,
    Breakage::NoFrontView,
    Breakage::OneView,
    Breakage::SamePictureTwice,
    Breakage::FaceTooHigh,
    Breakage::FaceTooLow,
    Breakage::ResolutionOfAnotherModel,
    Breakage::UnknownModel,
    Breakage::UnknownFormat,
    Breakage::TextureWithoutMesh,
    Breakage::RelativeMeshUrl,
    Breakage::MeshUrlWithoutTexture,
    Breakage::RelativeCallbackUrl,
    Breakage::ShadingOutOfRange,
];

/// A model whose capabilities allow `breakage` to be the only broken rule.
fn model_for(breakage: Breakage, model: &Model) -> Model {
    let able = |m: &Model| match breakage {
        Breakage::TextureWithoutMesh | Breakage::RelativeMeshUrl => {
            m.texture_existing_mesh().may_be_used()
        }
        Breakage::ShadingOutOfRange => m.capabilities().unwrap().shading.may_be_used(),
        Breakage::ResolutionOfAnotherModel => foreign_resolution(m).is_some(),
        _ => true,
    };
    if able(model) {
        model.clone()
    } else {
        Model::KNOWN.iter().find(|m| able(m)).unwrap().clone()
    }
}

fn foreign_resolution(model: &Model) -> Option<Resolution> {
    let caps = model.capabilities().unwrap();
    Resolution::KNOWN
        .iter()
        .find(|r| caps.resolution(r).is_none())
        .cloned()
}

/// A task broken in exactly one way, and the field that must be blamed.
fn broken(breakage: Breakage, model: &Model) -> (SubmitTaskBuilder, SubmitField) {
    let model = model_for(breakage, model);
    let caps = model.capabilities().unwrap();
    let base = || SubmitTask::builder(model.clone());
    let one = || base().image(Image::new(PNG));
    let views = |builder: SubmitTaskBuilder| {
        builder
            .view(View::Front, Image::new(PNG))
            .view(View::Back, Image::new(JPEG))
    };
    match breakage {
        Breakage::NoPicture => (base(), SubmitField::Images),
        Breakage::ImageAndViews => (views(one()), SubmitField::Images),
        Breakage::EmptyImage => (base().image(Image::new(Vec::new())), SubmitField::Images),
        Breakage::GifImage => (base().image(Image::new(GIF)), SubmitField::Images),
        Breakage::NoFrontView => (
            base()
                .view(View::Back, Image::new(PNG))
                .view(View::Left, Image::new(JPEG)),
            SubmitField::MultiImages,
        ),
        Breakage::SamePictureTwice => (
            base()
                .view(View::Front, Image::new(PNG))
                .view(View::Back, Image::new(PNG)),
            SubmitField::MultiImages,
        ),
        Breakage::OneView => (
            base().view(View::Front, Image::new(PNG)),
            SubmitField::MultiImages,
        ),
        Breakage::FaceTooHigh => (one().face(caps.face_max + 1), SubmitField::Face),
        Breakage::FaceTooLow => (one().face(caps.face_min - 1), SubmitField::Face),
        Breakage::ResolutionOfAnotherModel => (
            one().resolution(foreign_resolution(&model).unwrap()),
            SubmitField::Resolution,
        ),
        Breakage::UnknownModel => (
            SubmitTask::builder("hitem3dv9.9".parse().unwrap()).image(Image::new(PNG)),
            SubmitField::Model,
        ),
        Breakage::UnknownFormat => (
            one().format(OutputFormat::from_code(99)),
            SubmitField::Format,
        ),
        Breakage::TextureWithoutMesh => (
            one().request_type(RequestType::Texture),
            SubmitField::MeshUrl,
        ),
        Breakage::RelativeMeshUrl => (
            one()
                .request_type(RequestType::Texture)
                .mesh_url("/m/0.glb"),
            SubmitField::MeshUrl,
        ),
        Breakage::MeshUrlWithoutTexture => {
            (one().mesh_url("https://cdn/m.glb"), SubmitField::MeshUrl)
        }
        Breakage::RelativeCallbackUrl => (
            one().callback_url("hooks/hitem3d"),
            SubmitField::CallbackUrl,
        ),
        Breakage::ShadingOutOfRange => (one().shading(1.5), SubmitField::Shading),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_valid_submit_passes(builder in valid_submit()) {
        let task = builder.build();
        prop_assert!(task.is_ok(), "{}", task.unwrap_err());
    }

    #[test]
    fn every_single_violation_is_reported_against_its_field(
        breakage in select(BREAKAGES.to_vec()),
        model in select(Model::KNOWN.to_vec()),
    ) {
        let (builder, field) = broken(breakage, &model);
        let error = builder.build().expect_err("a broken task must not build");
        prop_assert!(!error.violations().is_empty());
        for violation in error.violations() {
            prop_assert_eq!(violation.field, field, "{:?}: {}", breakage, error);
            prop_assert_eq!(violation.remedy, remedy_of(breakage), "{:?}: {}", breakage, error);
            prop_assert!(!violation.fix.is_empty());
            prop_assert!(!violation.rule.is_empty());
        }
    }
}

#[test]
fn an_oversized_image_is_refused_before_sending() {
    let mut big = PNG.to_vec();
    big.resize(20_000_001, 0);
    let error = SubmitTask::builder(Model::Hitem3dV2_1)
        .image(Image::new(big))
        .build()
        .unwrap_err();
    assert_eq!(error.violations().len(), 1);
    assert_eq!(error.violations()[0].field, SubmitField::Images);
    assert!(error.violations()[0].rule.contains("20000000"), "{error}");
    let mut limit = PNG.to_vec();
    limit.resize(20_000_000, 0);
    assert!(
        SubmitTask::builder(Model::Hitem3dV2_1)
            .image(Image::new(limit))
            .build()
            .is_ok()
    );
}

#[test]
fn all_violations_are_reported_at_once() {
    let error = SubmitTask::builder(Model::Hitem3dV1_5)
        .image(Image::new(GIF))
        .face(1)
        .resolution(Resolution::R2048Master)
        .callback_url("nope")
        .pbr(true)
        .build()
        .unwrap_err();
    let fields: Vec<_> = error.violations().iter().map(|v| v.field).collect();
    assert_eq!(
        fields,
        [
            SubmitField::Images,
            SubmitField::Resolution,
            SubmitField::Face,
            SubmitField::CallbackUrl,
            SubmitField::Pbr
        ]
    );
    let text = error.to_string();
    assert!(
        text.starts_with("the task was not submitted (nothing was charged): 5 problems"),
        "{text}"
    );
}

/// What the vendor's own plugin (v1.0.7) sends, which the SDK must be able to send too.
#[test]
fn the_vendors_plugin_requests_pass_validation() {
    let texture = |model: Model, resolution: Resolution| {
        SubmitTask::builder(model)
            .image(Image::new(PNG))
            .request_type(RequestType::Texture)
            .mesh_url("https://hitem3dstatic.zaohaowu.net/comfyui/mesh/m.glb")
            .resolution(resolution)
            .format(OutputFormat::Glb)
            .build()
    };
    for resolution in [Resolution::R512, Resolution::R1024] {
        let task = SubmitTask::builder(Model::Hitem3dV2_0)
            .image(Image::new(PNG))
            .resolution(resolution.clone())
            .build();
        assert!(task.is_ok(), "hitem3dv2.0 at {resolution}: {task:?}");
    }
    for (model, resolution) in [
        (Model::Hitem3dV1_5, Resolution::R512),
        (Model::Hitem3dV2_0, Resolution::R512),
        (Model::ScenePortraitV1_5, Resolution::R512),
        (Model::Hitem3dV2_1, Resolution::R1536Fast),
        (Model::ScenePortraitV2_1, Resolution::R1536ProFast),
    ] {
        let task = texture(model.clone(), resolution.clone());
        assert!(task.is_ok(), "texture on {model} at {resolution}: {task:?}");
    }
}

#[test]
fn a_texture_only_resolution_is_refused_for_a_generation_and_named_in_the_hint() {
    let error = SubmitTask::builder(Model::ScenePortraitV1_5)
        .image(Image::new(PNG))
        .resolution(Resolution::R512)
        .build()
        .unwrap_err();
    let fields: Vec<_> = error.violations().iter().map(|v| v.field).collect();
    assert_eq!(fields, [SubmitField::Resolution]);
    let text = error.to_string();
    assert!(
        text.contains("scene-portraitv1.5 accepts 1536, and 512 when texturing a mesh"),
        "{text}"
    );
}
