//! ASCII FBX 7.4: a minimal container with one mesh geometry and its model.

use std::fmt::Write as _;

use super::Mesh;

/// The mesh as an ASCII FBX document.
#[must_use]
pub fn write(mesh: &Mesh) -> Vec<u8> {
    let vertices: Vec<String> = mesh
        .positions
        .iter()
        .flatten()
        .map(ToString::to_string)
        .collect();
    // FBX ends each polygon with its last index bitwise-negated.
    let polygons: Vec<String> = mesh
        .indices
        .chunks_exact(3)
        .flat_map(|t| [i64::from(t[0]), i64::from(t[1]), -i64::from(t[2]) - 1])
        .map(|i| i.to_string())
        .collect();
    let mut out = String::new();
    let _ = write!(
        out,
        "; FBX 7.4.0 project file\n\
         ; Created by hitem3d-mock\n\
         FBXHeaderExtension:  {{\n\tFBXHeaderVersion: 1003\n\tFBXVersion: 7400\n\tCreator: \"hitem3d-mock\"\n}}\n\
         GlobalSettings:  {{\n\tVersion: 1000\n}}\n\
         Definitions:  {{\n\tVersion: 100\n\tCount: 2\n\
         \tObjectType: \"Geometry\" {{\n\t\tCount: 1\n\t}}\n\
         \tObjectType: \"Model\" {{\n\t\tCount: 1\n\t}}\n}}\n\
         Objects:  {{\n\
         \tGeometry: 1000, \"Geometry::hitem3d\", \"Mesh\" {{\n\
         \t\tVertices: *{} {{\n\t\t\ta: {}\n\t\t}}\n\
         \t\tPolygonVertexIndex: *{} {{\n\t\t\ta: {}\n\t\t}}\n\
         \t\tGeometryVersion: 124\n\t}}\n\
         \tModel: 2000, \"Model::hitem3d\", \"Mesh\" {{\n\t\tVersion: 232\n\t}}\n}}\n\
         Connections:  {{\n\tC: \"OO\",1000,2000\n\tC: \"OO\",2000,0\n}}\n",
        vertices.len(),
        vertices.join(","),
        polygons.len(),
        polygons.join(","),
    );
    out.into_bytes()
}
