//! The sample pictures the examples use when given none: four views of one small house,
//! drawn here so that the project owns every byte it ships.

use std::fmt;
use std::path::{Path, PathBuf};

use image::{Rgb, RgbImage};

/// Where the pictures live, from the workspace root.
pub const DIR: &str = "hitem3d-cli/images";

/// Width and height of each picture, in pixels.
const SIZE: u32 = 256;

const SKY: Rgb<u8> = Rgb([255, 255, 255]);
const WALL: Rgb<u8> = Rgb([214, 140, 92]);
const ROOF: Rgb<u8> = Rgb([150, 48, 40]);
const DOOR: Rgb<u8> = Rgb([92, 58, 34]);
const GLASS: Rgb<u8> = Rgb([120, 176, 214]);
const SHADOW: Rgb<u8> = Rgb([200, 200, 200]);
const BRICK: Rgb<u8> = Rgb([120, 70, 60]);

/// The four views, named as the API names them.
pub const VIEWS: [&str; 4] = ["front", "back", "left", "right"];

/// Whether to write the pictures or only compare them with the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Rewrite every picture.
    Write,
    /// Report pictures that differ from what this code draws.
    Check,
}

/// A picture on disk that is not what the generator draws.
#[derive(Debug)]
pub struct Stale(pub Vec<PathBuf>);

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "sample pictures are out of date; run `cargo xtask sample-images`:"
        )?;
        for path in &self.0 {
            writeln!(f, "  {}", path.display())?;
        }
        Ok(())
    }
}

/// Draws the four views, and writes them or checks them. Returns the files written.
pub fn run(root: &Path, mode: Mode) -> Result<Vec<PathBuf>, String> {
    let dir = root.join(DIR);
    let mut written = Vec::new();
    let mut stale = Vec::new();
    for view in VIEWS {
        let picture = draw(view);
        let path = dir.join(format!("{view}.png"));
        let current = image::open(&path).ok().map(|found| found.to_rgb8());
        if current.as_ref() == Some(&picture) {
            continue;
        }
        match mode {
            Mode::Check => stale.push(path),
            Mode::Write => {
                std::fs::create_dir_all(&dir)
                    .map_err(|error| format!("creating {}: {error}", dir.display()))?;
                picture
                    .save(&path)
                    .map_err(|error| format!("writing {}: {error}", path.display()))?;
                written.push(path);
            }
        }
    }
    if stale.is_empty() {
        Ok(written)
    } else {
        Err(Stale(stale).to_string())
    }
}

/// One view of the house: a gabled roof seen as a triangle from the front and back, as a
/// slab from the sides; a door at the front, a round window at the back, a chimney on the
/// left of the roof ridge (so the side views are mirror images).
pub fn draw(view: &str) -> RgbImage {
    let mut picture = RgbImage::from_pixel(SIZE, SIZE, SKY);
    ellipse(&mut picture, (128.0, 214.0), (96.0, 12.0), SHADOW);
    match view {
        "front" | "back" => {
            // The chimney stands on the left half of the ridge as seen from the front, behind
            // the roof's slope.
            let chimney = if view == "front" { 84 } else { 152 };
            shaded_rect(&mut picture, (chimney, 70), (chimney + 20, 100), BRICK);
            shaded_rect(&mut picture, (64, 120), (192, 208), WALL);
            triangle(
                &mut picture,
                (128.0, 52.0),
                (50.0, 122.0),
                (206.0, 122.0),
                ROOF,
            );
            if view == "front" {
                shaded_rect(&mut picture, (112, 156), (144, 208), DOOR);
                shaded_rect(&mut picture, (76, 136), (100, 160), GLASS);
                shaded_rect(&mut picture, (156, 136), (180, 160), GLASS);
            } else {
                ellipse(&mut picture, (128.0, 160.0), (18.0, 18.0), GLASS);
            }
        }
        "left" | "right" => {
            shaded_rect(&mut picture, (40, 120), (216, 208), WALL);
            shaded_rect(&mut picture, (32, 84), (224, 122), ROOF);
            let chimney = if view == "left" { 56 } else { 180 };
            shaded_rect(&mut picture, (chimney, 60), (chimney + 20, 84), BRICK);
            shaded_rect(&mut picture, (70, 140), (110, 172), GLASS);
            shaded_rect(&mut picture, (146, 140), (186, 172), GLASS);
        }
        other => panic!("unknown view {other}"),
    }
    picture
}

/// A rectangle lit from the top left: lighter at the top, darker at the bottom.
fn shaded_rect(picture: &mut RgbImage, from: (u32, u32), to: (u32, u32), color: Rgb<u8>) {
    let height = f64::from(to.1 - from.1);
    for y in from.1..to.1 {
        let light = 1.15 - 0.3 * f64::from(y - from.1) / height;
        for x in from.0..to.0 {
            picture.put_pixel(x, y, shade(color, light));
        }
    }
}

fn triangle(
    picture: &mut RgbImage,
    apex: (f64, f64),
    left: (f64, f64),
    right: (f64, f64),
    color: Rgb<u8>,
) {
    let area = |p: (f64, f64), q: (f64, f64), r: (f64, f64)| {
        (q.0 - p.0) * (r.1 - p.1) - (r.0 - p.0) * (q.1 - p.1)
    };
    for (x, y, pixel) in picture.enumerate_pixels_mut() {
        let point = (f64::from(x) + 0.5, f64::from(y) + 0.5);
        let signs = [
            area(apex, left, point),
            area(left, right, point),
            area(right, apex, point),
        ];
        if signs.iter().all(|s| *s <= 0.0) || signs.iter().all(|s| *s >= 0.0) {
            let light = 1.1 - 0.25 * (point.1 - apex.1) / (left.1 - apex.1);
            *pixel = shade(color, light);
        }
    }
}

fn ellipse(picture: &mut RgbImage, center: (f64, f64), radii: (f64, f64), color: Rgb<u8>) {
    for (x, y, pixel) in picture.enumerate_pixels_mut() {
        let dx = (f64::from(x) + 0.5 - center.0) / radii.0;
        let dy = (f64::from(y) + 0.5 - center.1) / radii.1;
        if dx * dx + dy * dy <= 1.0 {
            *pixel = color;
        }
    }
}

fn shade(color: Rgb<u8>, light: f64) -> Rgb<u8> {
    // Clamped to 0..=255 before the cast, so nothing is truncated.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to the u8 range first"
    )]
    let channel = |c: u8| (f64::from(c) * light).round().clamp(0.0, 255.0) as u8;
    Rgb([channel(color[0]), channel(color[1]), channel(color[2])])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_views_differ_and_are_drawn_on_white() {
        let pictures: Vec<_> = VIEWS.iter().map(|view| draw(view)).collect();
        for (index, picture) in pictures.iter().enumerate() {
            assert_eq!(*picture.get_pixel(0, 0), SKY);
            for other in &pictures[index + 1..] {
                assert_ne!(picture, other);
            }
        }
    }

    #[test]
    fn check_reports_missing_pictures_and_write_fixes_them() {
        let root = tempfile::tempdir().unwrap();
        let error = run(root.path(), Mode::Check).unwrap_err();
        assert!(error.contains("front.png"), "{error}");

        let written = run(root.path(), Mode::Write).unwrap();
        assert_eq!(written.len(), 4);
        assert!(run(root.path(), Mode::Check).is_ok());
        assert!(
            run(root.path(), Mode::Write).unwrap().is_empty(),
            "nothing to rewrite"
        );
    }
}
