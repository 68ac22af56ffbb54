// Removes the Authenticode signature of a PE (Windows) executable, as `signtool remove /s` does: node.exe comes
// signed by the Node.js project, and injecting the plugin's blob would leave a signature that no longer matches
// (postject warns "The signature seems corrupted!"). An unsigned executable is what the release ships instead.
"use strict";
const fs = require("node:fs");

const IMAGE_DIRECTORY_ENTRY_SECURITY = 4;

/** Drops the certificate table of `file` (in place); returns the bytes removed (0 when it had none). */
function removeAuthenticode(file) {
  const b = fs.readFileSync(file);
  if (b.toString("latin1", 0, 2) !== "MZ") throw new Error(`${file}: not a PE executable`);
  const pe = b.readUInt32LE(0x3c);
  if (b.toString("latin1", pe, pe + 4) !== "PE\0\0") throw new Error(`${file}: no PE signature`);
  const opt = pe + 24;
  const magic = b.readUInt16LE(opt);
  const dirs = opt + (magic === 0x20b ? 112 : 96); // PE32+ : PE32
  const entry = dirs + IMAGE_DIRECTORY_ENTRY_SECURITY * 8;
  const offset = b.readUInt32LE(entry);
  const size = b.readUInt32LE(entry + 4);
  if (offset === 0 || size === 0) return 0;
  // The certificate table is the file's last data (a file offset, not an address), padded to 8 bytes.
  if (offset + size < b.length - 8 || offset + size > b.length) throw new Error(`${file}: the certificate table (${offset}+${size}) is not at the end of the file (${b.length})`);
  b.writeUInt32LE(0, entry);
  b.writeUInt32LE(0, entry + 4);
  b.writeUInt32LE(0, opt + 64); // CheckSum: stale now, and not checked for executables
  fs.writeFileSync(file, b.subarray(0, offset));
  return b.length - offset;
}

/** The security directory's size (0: unsigned). */
function authenticodeSize(file) {
  const b = fs.readFileSync(file);
  const pe = b.readUInt32LE(0x3c);
  const opt = pe + 24;
  const dirs = opt + (b.readUInt16LE(opt) === 0x20b ? 112 : 96);
  return b.readUInt32LE(dirs + IMAGE_DIRECTORY_ENTRY_SECURITY * 8 + 4);
}

module.exports = { removeAuthenticode, authenticodeSize };
