//! Every relief setting's documented range, at its edges: the ends are accepted, a step past
//! either end is refused before sending, naming the setting.

use hitem3d_core::types::{RELIEF_SETTINGS, ReliefFormat};
use hitem3d_core::{Image, ReliefTask, ReliefTaskBuilder};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01";

fn with(field: &str, value: f64) -> ReliefTaskBuilder {
    let builder = ReliefTask::builder(ReliefFormat::Png)
        .image(Image::new(PNG))
        .remove_background(false);
    match field {
        "height_relief" => builder.height(value),
        "degree_rmbg" => builder.background_removal_strength(value),
        "thickness_base" => builder.base_thickness_mm(value),
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "test values"
        )]
        "width" => builder.width_mm(value as u32),
        other => panic!("a setting without a builder method: {other}"),
    }
}

#[test]
fn each_setting_takes_its_range_and_nothing_past_it() {
    for setting in RELIEF_SETTINGS {
        let field = setting.field;
        for value in [setting.min, setting.max, setting.default] {
            assert!(with(field, value).build().is_ok(), "{field} = {value}");
        }
        let step = if setting.integer { 1.0 } else { 0.01 };
        for value in [setting.min - step, setting.max + step] {
            if value < 0.0 && setting.integer {
                continue; // a width below zero cannot be written as a u32
            }
            let error = with(field, value).build().unwrap_err();
            assert!(
                error.to_string().contains(&format!("{field} takes")),
                "{field} = {value}: {error}"
            );
        }
    }
}
