//! The relief and mesh task builders: each rule refuses what it should, names what to change,
//! and what passes goes out as the form the service expects.

use hitem3d_core::types::{
    MeshLevel, OutputFormat, ReliefFormat, ReliefModel, SplitJoint, SplitPart,
};
use hitem3d_core::{
    Image, MeshFile, MeshFormat, MeshSource, MeshTask, ReliefBase, ReliefSource, ReliefTask,
    SubmitField,
};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01";

fn glb() -> MeshFile {
    MeshFile::new(b"glTF\x02\x00\x00\x00 rest".to_vec(), MeshFormat::Glb).unwrap()
}

fn form_text(form: &hitem3d_core::MultipartForm) -> String {
    let (_, body) = form.encode_with_seed(1);
    String::from_utf8_lossy(&body.to_bytes().unwrap()).into_owned()
}

fn refused(
    result: Result<impl std::fmt::Debug, hitem3d_core::ValidationError>,
) -> (Vec<SubmitField>, String) {
    let error = result.unwrap_err();
    (
        error.violations().iter().map(|v| v.field).collect(),
        error.to_string(),
    )
}

#[test]
fn a_relief_keeps_its_choices_and_the_last_value_of_a_setting() {
    let task = ReliefTask::builder(ReliefFormat::Glb)
        .image_url("https://example.com/cat.png")
        .model(ReliefModel::Base)
        .height(2.0)
        .height(3.5)
        .build()
        .unwrap();
    assert_eq!(task.model(), Some(&ReliefModel::Base));
    assert_eq!(
        task.source(),
        &ReliefSource::Url("https://example.com/cat.png".to_owned())
    );
    let form = form_text(&task.to_form());
    assert_eq!(form.matches("name=\"height_relief\"").count(), 1, "{form}");
    assert!(form.contains("name=\"height_relief\"\r\n\r\n3.5"), "{form}");
    assert!(form.contains("name=\"image_url\"\r\n\r\nhttps://example.com/cat.png"));
}

#[test]
fn a_relief_picture_url_must_be_absolute() {
    let (fields, text) = refused(
        ReliefTask::builder(ReliefFormat::Png)
            .image_url("cat.png")
            .build(),
    );
    assert_eq!(fields, [SubmitField::ImageUrl]);
    assert!(
        text.contains("image_url must be an absolute http(s) URL"),
        "{text}"
    );
}

#[test]
fn the_base_plate_needs_background_removal_off() {
    let image = || Image::new(PNG);
    let base = |builder: hitem3d_core::ReliefTaskBuilder| builder.image(image());
    let shape_only = refused(
        base(ReliefTask::builder(ReliefFormat::Stl))
            .base(ReliefBase::Square)
            .build(),
    );
    assert_eq!(shape_only.0, [SubmitField::ShapeBase]);
    let thickness_only = refused(
        base(ReliefTask::builder(ReliefFormat::Stl))
            .base_thickness_mm(2.0)
            .build(),
    );
    assert_eq!(thickness_only.0, [SubmitField::Setting("thickness_base")]);
    let kept = base(ReliefTask::builder(ReliefFormat::Stl))
        .remove_background(false)
        .base(ReliefBase::Square)
        .base_thickness_mm(2.0)
        .build();
    assert!(kept.is_ok(), "{kept:?}");
}

#[test]
fn an_unknown_relief_format_lists_the_known_ones() {
    let (fields, text) = refused(
        ReliefTask::builder(ReliefFormat::from_code(9))
            .image(Image::new(PNG))
            .build(),
    );
    assert_eq!(fields, [SubmitField::Format]);
    assert!(
        text.contains("1 exr, 2 png, 3 stl, 4 glb, 5 3mf, 6 bmp"),
        "{text}"
    );
}

#[test]
fn mesh_files_go_out_under_their_own_media_type() {
    let stl = MeshFile::new(
        b"solid cube\nfacet normal 0 0 1\n".to_vec(),
        MeshFormat::Stl,
    )
    .unwrap();
    let obj = MeshFile::new(b"v 0 0 0\nf 1 1 1\n".to_vec(), MeshFormat::Obj).unwrap();
    for (mesh, media_type) in [
        (stl, "model/stl"),
        (obj, "model/obj"),
        (glb(), "model/gltf-binary"),
    ] {
        let extension = mesh.format().extension();
        let task = MeshTask::split_general(MeshLevel::Low)
            .mesh(mesh)
            .build()
            .unwrap();
        assert!(matches!(task.source(), MeshSource::File(_)));
        let form = form_text(&task.to_form());
        assert!(
            form.contains(&format!(
                "filename=\"mesh.{extension}\"\r\nContent-Type: {media_type}"
            )),
            "{form}"
        );
    }
}

#[test]
fn formats_are_checked_per_task_and_listed_when_refused() {
    // A general split may leave the format to the service; a segmentation may not.
    assert!(
        MeshTask::split_general(MeshLevel::Low)
            .mesh(glb())
            .build()
            .is_ok()
    );
    let (fields, text) = refused(MeshTask::segmentation(MeshLevel::Low).mesh(glb()).build());
    assert_eq!(fields, [SubmitField::Format]);
    assert!(
        text.contains("1 obj, 2 glb, 3 stl, 4 fbx, 5 usdz"),
        "{text}"
    );
    let (fields, text) = refused(
        MeshTask::segmentation(MeshLevel::Low)
            .mesh(glb())
            .format(OutputFormat::ThreeMf)
            .build(),
    );
    assert_eq!(fields, [SubmitField::Format]);
    assert!(text.contains("segmentation answers in formats"), "{text}");
    let (_, text) = refused(
        MeshTask::split_character(SplitPart::A, SplitJoint::Ball)
            .mesh(glb())
            .format(OutputFormat::Obj)
            .build(),
    );
    assert!(
        text.contains("split (character) answers in formats 2 glb"),
        "{text}"
    );
}

#[test]
fn unknown_choices_are_refused_by_name() {
    let cases = [
        (
            MeshTask::split_character(SplitPart::from_wire("z"), SplitJoint::Ball),
            "part",
        ),
        (
            MeshTask::split_character(SplitPart::A, SplitJoint::from_wire("glue")),
            "joint",
        ),
        (
            MeshTask::split_general(MeshLevel::from_wire("max")),
            "level",
        ),
        (
            MeshTask::segmentation(MeshLevel::from_wire("max")).format(OutputFormat::Glb),
            "seg_level",
        ),
    ];
    for (builder, field) in cases {
        let (fields, text) = refused(builder.mesh(glb()).build());
        assert_eq!(fields, [SubmitField::Setting(field)], "{text}");
        assert!(
            text.contains(&format!(
                "not a {} this SDK knows (",
                field.trim_start_matches("seg_")
            )),
            "{text}"
        );
    }
}

#[test]
fn merge_belongs_to_a_split_and_a_mesh_url_must_be_absolute() {
    let split = MeshTask::split_general(MeshLevel::High)
        .mesh(glb())
        .merge(false)
        .build();
    assert!(form_text(&split.unwrap().to_form()).contains("name=\"merge\"\r\n\r\nno"));
    let (fields, _) = refused(
        MeshTask::multicolor(2)
            .mesh(glb())
            .format(OutputFormat::Glb)
            .merge(true)
            .build(),
    );
    assert_eq!(fields, [SubmitField::Setting("merge")]);
    let (fields, text) = refused(
        MeshTask::split_general(MeshLevel::High)
            .mesh_url("meshes/m.glb")
            .build(),
    );
    assert_eq!(fields, [SubmitField::MeshUrl]);
    assert!(
        text.contains("mesh_url must be an absolute http(s) URL"),
        "{text}"
    );
    let (fields, _) = refused(MeshTask::split_general(MeshLevel::High).build());
    assert_eq!(fields, [SubmitField::Mesh]);
    let (fields, _) = refused(
        MeshTask::split_general(MeshLevel::High)
            .mesh(glb())
            .mesh_url("https://example.com/m.glb")
            .build(),
    );
    assert_eq!(fields, [SubmitField::MeshUrl]);
}

#[test]
fn multicolor_takes_zero_to_eight_colours() {
    for colors in [0, 1, 8] {
        let task = MeshTask::multicolor(colors)
            .mesh(glb())
            .format(OutputFormat::Glb)
            .build();
        assert!(task.is_ok(), "{colors}: {task:?}");
    }
    let (fields, _) = refused(
        MeshTask::multicolor(9)
            .mesh(glb())
            .format(OutputFormat::Glb)
            .build(),
    );
    assert_eq!(fields, [SubmitField::Setting("number_color")]);
}
