//! Binary STL.

use super::Mesh;

/// The mesh as binary STL: an 80-byte header, the triangle count, 50 bytes per triangle.
#[must_use]
pub fn write(mesh: &Mesh) -> Vec<u8> {
    let mut out = Vec::with_capacity(84 + 50 * mesh.triangle_count());
    let mut header =
        *b"hitem3d-mock binary STL                                                         ";
    header[79] = b' ';
    out.extend_from_slice(&header);
    let count = u32::try_from(mesh.triangle_count()).expect("mock models stay small");
    out.extend_from_slice(&count.to_le_bytes());
    for (normal, corners) in mesh.triangles() {
        for value in normal.iter().chain(corners.iter().flatten()) {
            out.extend_from_slice(&value.to_le_bytes());
        }
        out.extend_from_slice(&0_u16.to_le_bytes());
    }
    out
}
