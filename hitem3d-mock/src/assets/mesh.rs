//! A relief mesh made from the input picture: each pixel of the object becomes a coloured
//! column, so the result is recognisably the picture, in 3D.

/// A triangle mesh with flat-shaded, per-vertex normals and colours.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mesh {
    /// Vertex positions, Y up, about one unit across.
    pub positions: Vec<[f32; 3]>,
    /// Unit normals, one per vertex.
    pub normals: Vec<[f32; 3]>,
    /// Linear RGB colours in `[0, 1]`, one per vertex.
    pub colors: Vec<[f32; 3]>,
    /// Triangles, counter-clockwise seen from outside.
    pub indices: Vec<u32>,
}

impl Mesh {
    /// Number of triangles.
    #[must_use]
    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }

    /// The smallest and largest coordinate on each axis.
    #[must_use]
    pub fn bounds(&self) -> ([f32; 3], [f32; 3]) {
        let mut min = [f32::MAX; 3];
        let mut max = [f32::MIN; 3];
        for p in &self.positions {
            for axis in 0..3 {
                min[axis] = min[axis].min(p[axis]);
                max[axis] = max[axis].max(p[axis]);
            }
        }
        (min, max)
    }

    /// Each triangle as three positions, with its unit face normal.
    pub fn triangles(&self) -> impl Iterator<Item = ([f32; 3], [[f32; 3]; 3])> + '_ {
        self.indices.chunks_exact(3).map(|t| {
            let [a, b, c] = [t[0], t[1], t[2]].map(|i| self.positions[i as usize]);
            let n = cross(sub(b, a), sub(c, a));
            let length = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2])
                .sqrt()
                .max(f32::MIN_POSITIVE);
            (n.map(|c| c / length), [a, b, c])
        })
    }

    /// Two triangles per cell of a `w` × `h` grid whose `(w + 1) × (h + 1)` corner vertices
    /// start at `start`, row by row, facing +Z (`up`) or −Z.
    fn grid_triangles(&mut self, start: u32, w: u32, h: u32, up: bool) {
        let corner = |i: u32, j: u32| start + j * (w + 1) + i;
        for j in 0..h {
            for i in 0..w {
                let [tl, tr, br, bl] = [
                    corner(i, j),
                    corner(i + 1, j),
                    corner(i + 1, j + 1),
                    corner(i, j + 1),
                ];
                let triangles = if up {
                    [bl, br, tr, bl, tr, tl]
                } else {
                    [bl, tr, br, bl, tl, tr]
                };
                self.indices.extend_from_slice(&triangles);
            }
        }
    }

    /// Sets each vertex normal to the normalised sum of its triangles' normals.
    fn smooth_normals(&mut self) {
        let mut sums = vec![[0.0_f32; 3]; self.positions.len()];
        for t in self.indices.chunks_exact(3) {
            let [a, b, c] = [t[0], t[1], t[2]].map(|i| self.positions[i as usize]);
            let n = cross(sub(b, a), sub(c, a));
            for i in t {
                for k in 0..3 {
                    sums[*i as usize][k] += n[k];
                }
            }
        }
        for (normal, sum) in self.normals.iter_mut().zip(sums) {
            let length = (sum[0] * sum[0] + sum[1] * sum[1] + sum[2] * sum[2]).sqrt();
            if length > 0.0 {
                *normal = sum.map(|c| c / length);
            }
        }
    }

    fn quad(&mut self, corners: [[f32; 3]; 4], normal: [f32; 3], color: [f32; 3]) {
        let base = u32::try_from(self.positions.len()).expect("meshes stay far below 4 G vertices");
        for corner in corners {
            self.positions.push(corner);
            self.normals.push(normal);
            self.colors.push(color);
        }
        self.indices
            .extend_from_slice(&[base, base + 1, base + 2, base, base + 2, base + 3]);
    }
}

/// How a grid is raised into a solid, in the mesh's units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Raise {
    /// The plate's size along its longer side.
    pub across: f32,
    /// The plate's thickness under everything.
    pub plate: f32,
    /// How high the darkest part of the object stands above the plate.
    pub lowest: f32,
    /// How much higher the brightest part stands than the darkest.
    pub span: f32,
    /// Carved in: the background stands at the full height and the object is cut down.
    pub engrave: bool,
}

impl Raise {
    /// An image-to-3D model: one unit across, a thin plate, the object raised.
    pub const MODEL: Self = Self {
        across: 1.0,
        plate: 0.02,
        lowest: 0.04,
        span: 0.16,
        engrave: false,
    };
}

/// A picture reduced to a grid: per cell, whether it is part of the object, and its colour.
#[derive(Debug, Clone, PartialEq)]
pub struct PixelGrid {
    /// Cells across.
    pub width: u32,
    /// Cells down.
    pub height: u32,
    /// Row-major cells: `None` for background, else the colour in `[0, 1]`.
    pub cells: Vec<Option<[f32; 3]>>,
}

impl PixelGrid {
    /// Decodes a PNG, JPEG or WebP picture and reduces it to at most `size` cells across.
    /// Background is what is transparent, or close to the colour of the corners. Pictures
    /// that cannot be decoded (tests often send only a file signature) become a dome.
    #[must_use]
    pub fn from_picture(bytes: &[u8], size: u32) -> Self {
        match decode_within_limits(bytes) {
            // Made small in the colours it came in: a large picture in RGBA first would take
            // four times its pixels again (256 MiB for 8192² grey).
            Ok(picture) if picture.width().max(picture.height()) > size * 4 => {
                Self::from_rgba(&picture.thumbnail(size * 4, size * 4).to_rgba8(), size)
            }
            Ok(picture) => Self::from_rgba(&picture.to_rgba8(), size),
            Err(_) => Self::dome(size),
        }
    }

    fn from_rgba(picture: &image::RgbaImage, size: u32) -> Self {
        let (w, h) = picture.dimensions();
        let scale = f64::from(size) / f64::from(w.max(h).max(1));
        let width = scaled(w, scale);
        let height = scaled(h, scale);
        let small = image::imageops::resize(
            picture,
            width,
            height,
            image::imageops::FilterType::Triangle,
        );
        let corner = |x: u32, y: u32| small.get_pixel(x, y).0;
        let corners = [
            corner(0, 0),
            corner(width - 1, 0),
            corner(0, height - 1),
            corner(width - 1, height - 1),
        ];
        let background = average(&corners);
        let mut cells: Vec<Option<[f32; 3]>> = small
            .pixels()
            .map(|pixel| {
                let [r, g, b, a] = pixel.0;
                let opaque = a > 32;
                let distinct = distance([r, g, b], background) > 40.0;
                let has_alpha_background = corners.iter().any(|c| c[3] < 32);
                let object = if has_alpha_background {
                    opaque
                } else {
                    distinct
                };
                object.then(|| [r, g, b].map(|v| f32::from(v) / 255.0))
            })
            .collect();
        if cells.iter().all(Option::is_none) {
            // A picture with no distinct object: all of it is the object.
            cells = small
                .pixels()
                .map(|p| Some([p.0[0], p.0[1], p.0[2]].map(|v| f32::from(v) / 255.0)))
                .collect();
        }
        Self {
            width,
            height,
            cells,
        }
    }

    /// A round dome in warm colours, for pictures that cannot be decoded.
    #[must_use]
    pub fn dome(size: u32) -> Self {
        let size = size.max(2);
        let centre = f32::from(u16::try_from(size).unwrap_or(u16::MAX)) / 2.0;
        let mut cells = Vec::new();
        for y in 0..size {
            for x in 0..size {
                let dx = (index_f32(x) + 0.5 - centre) / centre;
                let dy = (index_f32(y) + 0.5 - centre) / centre;
                let r = (dx * dx + dy * dy).sqrt();
                cells.push((r <= 1.0).then_some([0.9, 0.6 - 0.3 * r, 0.2 + 0.5 * (1.0 - r)]));
            }
        }
        Self {
            width: size,
            height: size,
            cells,
        }
    }

    /// The relief: a closed plate whose top surface rises with the object's brightness
    /// (background stays at the plate's thickness), coloured like the picture. Every edge is
    /// shared by exactly two triangles, so the solid is watertight and printable.
    ///
    /// # Panics
    /// If the grid has more than about 2 billion corners, far beyond any picture grid.
    #[must_use]
    pub fn relief(&self) -> Mesh {
        self.raised(&Raise::MODEL)
    }

    /// The relief raised as `raise` says: its size, plate, heights and whether the object is
    /// carved in rather than raised.
    ///
    /// # Panics
    /// If the grid has more than about 2 billion corners, far beyond any picture grid.
    #[must_use]
    pub fn raised(&self, raise: &Raise) -> Mesh {
        const BACKGROUND: [f32; 3] = [0.85, 0.85, 0.85];
        let plate = raise.plate;
        let (w, h) = (self.width, self.height);
        let cell = raise.across / index_f32(w.max(h));
        let half_w = index_f32(w) * cell / 2.0;
        let half_h = index_f32(h) * cell / 2.0;
        let rise = |color: [f32; 3]| {
            let luminance = 0.2126 * color[0] + 0.7152 * color[1] + 0.0722 * color[2];
            raise.lowest + raise.span * luminance
        };
        // A grid corner takes the mean height and colour of the cells around it.
        let corner = |i: u32, j: u32| {
            let (mut height, mut color, mut count) = (0.0_f32, [0.0_f32; 3], 0.0_f32);
            for (ci, cj) in [
                (i.wrapping_sub(1), j.wrapping_sub(1)),
                (i, j.wrapping_sub(1)),
                (i.wrapping_sub(1), j),
                (i, j),
            ] {
                if ci >= w || cj >= h {
                    continue;
                }
                let cell_color = self.cells[(cj * w + ci) as usize];
                height += cell_color.map_or(0.0, rise);
                let c = cell_color.unwrap_or(BACKGROUND);
                for k in 0..3 {
                    color[k] += c[k];
                }
                count += 1.0;
            }
            let height = height / count;
            // Engraved: the background stands at the full height and the object is cut down.
            let height = if raise.engrave {
                raise.lowest + raise.span - height
            } else {
                height
            };
            (plate + height, color.map(|c| c / count))
        };
        let position = |i: u32, j: u32, z: f32| {
            [
                index_f32(i) * cell - half_w,
                half_h - index_f32(j) * cell,
                z,
            ]
        };
        let mut mesh = Mesh::default();
        // Top surface: shared vertices, smooth normals accumulated below.
        for j in 0..=h {
            for i in 0..=w {
                let (z, color) = corner(i, j);
                mesh.positions.push(position(i, j, z));
                mesh.normals.push([0.0; 3]);
                mesh.colors.push(color);
            }
        }
        mesh.grid_triangles(0, w, h, true);
        mesh.smooth_normals();
        // Bottom: a flat grid matching the walls' edges, facing down.
        let bottom_start = u32::try_from(mesh.positions.len()).expect("small meshes");
        for j in 0..=h {
            for i in 0..=w {
                mesh.positions.push(position(i, j, 0.0));
                mesh.normals.push([0.0, 0.0, -1.0]);
                mesh.colors.push(BACKGROUND.map(|c| c * 0.7));
            }
        }
        mesh.grid_triangles(bottom_start, w, h, false);
        // Walls around the plate, flat-shaded.
        let wall_color = BACKGROUND.map(|c| c * 0.8);
        let top_at = |i: u32, j: u32| position(i, j, corner(i, j).0);
        let bottom_at = |i: u32, j: u32| position(i, j, 0.0);
        for i in 0..w {
            mesh.quad(
                [
                    bottom_at(i, 0),
                    top_at(i, 0),
                    top_at(i + 1, 0),
                    bottom_at(i + 1, 0),
                ],
                [0.0, 1.0, 0.0],
                wall_color,
            );
            mesh.quad(
                [
                    bottom_at(i + 1, h),
                    top_at(i + 1, h),
                    top_at(i, h),
                    bottom_at(i, h),
                ],
                [0.0, -1.0, 0.0],
                wall_color,
            );
        }
        for j in 0..h {
            mesh.quad(
                [
                    bottom_at(0, j + 1),
                    top_at(0, j + 1),
                    top_at(0, j),
                    bottom_at(0, j),
                ],
                [-1.0, 0.0, 0.0],
                wall_color,
            );
            mesh.quad(
                [
                    bottom_at(w, j),
                    top_at(w, j),
                    top_at(w, j + 1),
                    bottom_at(w, j + 1),
                ],
                [1.0, 0.0, 0.0],
                wall_color,
            );
        }
        mesh
    }
}

fn cross(u: [f32; 3], v: [f32; 3]) -> [f32; 3] {
    [
        u[1] * v[2] - u[2] * v[1],
        u[2] * v[0] - u[0] * v[2],
        u[0] * v[1] - u[1] * v[0],
    ]
}

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn scaled(length: u32, scale: f64) -> u32 {
    let value = (f64::from(length) * scale).round().max(1.0);
    // The value is at most `size`, a small grid dimension.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "1..=size"
    )]
    let value = value as u32;
    value
}

fn index_f32(value: u32) -> f32 {
    // Grid sizes stay far below 2^24, where f32 is exact.
    #[allow(clippy::cast_precision_loss, reason = "grid sizes are small")]
    let value = value as f32;
    value
}

fn average(colors: &[[u8; 4]]) -> [f32; 3] {
    let mut sum = [0.0_f32; 3];
    for color in colors {
        for channel in 0..3 {
            sum[channel] += f32::from(color[channel]);
        }
    }
    sum.map(|s| s / index_f32(u32::try_from(colors.len()).unwrap_or(1)))
}

fn distance(color: [u8; 3], other: [f32; 3]) -> f32 {
    color
        .iter()
        .zip(other)
        .map(|(a, b)| (f32::from(*a) - b).powi(2))
        .sum::<f32>()
        .sqrt()
}

/// The widest or tallest picture the mock decodes, in pixels; larger ones are refused when
/// submitted. A small file can declare an enormous picture (a decompression bomb).
pub const MAX_PICTURE_SIDE: u32 = 8192;

/// The most memory one decoded picture may take: a picture past it (over 4096² in RGBA)
/// becomes a dome, and the workers decoding at once stay within a few times this.
const MAX_PICTURE_ALLOC: u64 = 64 << 20;

fn picture_limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_PICTURE_SIDE);
    limits.max_image_height = Some(MAX_PICTURE_SIDE);
    limits.max_alloc = Some(MAX_PICTURE_ALLOC);
    limits
}

/// Decodes a picture, refusing one past the limits before allocating for it.
fn decode_within_limits(bytes: &[u8]) -> image::ImageResult<image::DynamicImage> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format()?;
    reader.limits(picture_limits());
    reader.decode()
}

/// Whether a picture's declared size is within what the mock decodes; only its header is
/// read (a JPEG's frame header by the mock's own reader where the decoder needs its scan
/// too). Pictures whose header cannot be read pass (the mock then makes a dome of them).
#[must_use]
pub fn picture_size_acceptable(bytes: &[u8]) -> bool {
    let dimensions = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|reader| reader.into_dimensions().ok())
        .or_else(|| super::jpeg_frame::jpeg_dimensions(bytes));
    dimensions.is_none_or(|(width, height)| width <= MAX_PICTURE_SIDE && height <= MAX_PICTURE_SIDE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undecodable_picture_becomes_a_closed_dome() {
        let mesh = PixelGrid::from_picture(b"\x89PNG\r\n\x1a\nnot really", 16).relief();
        assert!(mesh.triangle_count() > 100);
        assert_eq!(mesh.positions.len(), mesh.normals.len());
        assert_eq!(mesh.positions.len(), mesh.colors.len());
        let (min, max) = mesh.bounds();
        assert!(max[0] - min[0] <= 1.0 + 1e-6 && min[2] >= 0.0);
    }

    #[test]
    fn a_picture_keeps_its_silhouette() {
        // A white picture with a red square in the middle.
        let mut picture = image::RgbaImage::from_pixel(40, 20, image::Rgba([255, 255, 255, 255]));
        for y in 5..15 {
            for x in 15..25 {
                picture.put_pixel(x, y, image::Rgba([200, 0, 0, 255]));
            }
        }
        let grid = PixelGrid::from_rgba(&picture, 40);
        assert_eq!((grid.width, grid.height), (40, 20));
        let object = grid.cells.iter().filter(|c| c.is_some()).count();
        assert_eq!(object, 100);
    }
}
