//! The cover picture: the relief seen from the front, as a WebP (the service's covers are).

use std::io::Cursor;

use super::PixelGrid;

/// Pixels per grid cell in the cover.
const SCALE: u32 = 4;

/// A lossless WebP of the object's cells on a light background.
#[must_use]
pub fn write(grid: &PixelGrid) -> Vec<u8> {
    let mut picture = image::RgbImage::from_pixel(
        grid.width * SCALE,
        grid.height * SCALE,
        image::Rgb([236, 238, 242]),
    );
    for (index, cell) in grid.cells.iter().enumerate() {
        let Some(color) = cell else { continue };
        let index = u32::try_from(index).expect("small grids");
        let (cx, cy) = (index % grid.width, index / grid.width);
        // Channels are in [0, 1]; the product is in [0, 255].
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "0..=255"
        )]
        let rgb = image::Rgb(color.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8));
        for dy in 0..SCALE {
            for dx in 0..SCALE {
                picture.put_pixel(cx * SCALE + dx, cy * SCALE + dy, rgb);
            }
        }
    }
    let mut out = Cursor::new(Vec::new());
    picture
        .write_to(&mut out, image::ImageFormat::WebP)
        .expect("encoding a WebP in memory cannot fail");
    out.into_inner()
}
