//! Binary glTF 2.0 (GLB), written to pass the Khronos glTF validator.

use serde_json::json;

use super::Mesh;

const MAGIC: u32 = 0x4654_6C67; // "glTF"
const CHUNK_JSON: u32 = 0x4E4F_534A; // "JSON"
const CHUNK_BIN: u32 = 0x004E_4942; // "BIN\0"
const FLOAT: u32 = 5126;
const UNSIGNED_INT: u32 = 5125;
const ARRAY_BUFFER: u32 = 34962;
const ELEMENT_ARRAY_BUFFER: u32 = 34963;

fn len_u32(len: usize) -> u32 {
    u32::try_from(len).expect("mock models stay far below 4 GiB")
}

/// The mesh as a GLB file: one node, one mesh, positions, normals, vertex colours, indices.
#[must_use]
pub fn write(mesh: &Mesh) -> Vec<u8> {
    let mut bin = Vec::new();
    let mut views = Vec::new();
    let mut push_view = |bin: &mut Vec<u8>, data: &[u8], target: u32| {
        let offset = bin.len();
        bin.extend_from_slice(data);
        views.push(
            json!({"buffer": 0, "byteOffset": offset, "byteLength": data.len(), "target": target}),
        );
    };
    let floats = |items: &[[f32; 3]]| {
        items
            .iter()
            .flatten()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>()
    };
    push_view(&mut bin, &floats(&mesh.positions), ARRAY_BUFFER);
    push_view(&mut bin, &floats(&mesh.normals), ARRAY_BUFFER);
    push_view(&mut bin, &floats(&mesh.colors), ARRAY_BUFFER);
    let indices: Vec<u8> = mesh.indices.iter().flat_map(|i| i.to_le_bytes()).collect();
    push_view(&mut bin, &indices, ELEMENT_ARRAY_BUFFER);
    let (min, max) = mesh.bounds();
    let count = mesh.positions.len();
    let document = json!({
        "asset": {"version": "2.0", "generator": "hitem3d-mock"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "hitem3d"}],
        "meshes": [{"name": "hitem3d", "primitives": [{
            "attributes": {"POSITION": 0, "NORMAL": 1, "COLOR_0": 2},
            "indices": 3,
            "material": 0,
            "mode": 4
        }]}],
        "materials": [{
            "name": "vertex colours",
            "pbrMetallicRoughness": {"baseColorFactor": [1.0, 1.0, 1.0, 1.0], "metallicFactor": 0.0, "roughnessFactor": 0.8}
        }],
        "buffers": [{"byteLength": bin.len()}],
        "bufferViews": views,
        "accessors": [
            {"bufferView": 0, "componentType": FLOAT, "count": count, "type": "VEC3", "min": min, "max": max},
            {"bufferView": 1, "componentType": FLOAT, "count": count, "type": "VEC3"},
            {"bufferView": 2, "componentType": FLOAT, "count": count, "type": "VEC3"},
            {"bufferView": 3, "componentType": UNSIGNED_INT, "count": mesh.indices.len(), "type": "SCALAR"}
        ]
    });
    let mut json_chunk = serde_json::to_vec(&document).expect("JSON values always serialize");
    // Chunks are 4-byte aligned: JSON pads with spaces, BIN with zeros.
    while !json_chunk.len().is_multiple_of(4) {
        json_chunk.push(b' ');
    }
    while !bin.len().is_multiple_of(4) {
        bin.push(0);
    }
    let total = 12 + 8 + json_chunk.len() + 8 + bin.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&MAGIC.to_le_bytes());
    out.extend_from_slice(&2_u32.to_le_bytes());
    out.extend_from_slice(&len_u32(total).to_le_bytes());
    out.extend_from_slice(&len_u32(json_chunk.len()).to_le_bytes());
    out.extend_from_slice(&CHUNK_JSON.to_le_bytes());
    out.extend_from_slice(&json_chunk);
    out.extend_from_slice(&len_u32(bin.len()).to_le_bytes());
    out.extend_from_slice(&CHUNK_BIN.to_le_bytes());
    out.extend_from_slice(&bin);
    out
}
