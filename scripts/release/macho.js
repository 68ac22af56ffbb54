// A structural check of a Mach-O executable's code signature, independent of the tool that wrote it: the
// LC_CODE_SIGNATURE's SuperBlob holds a CodeDirectory that is ad hoc (no certificate), hashes with SHA-256, covers
// the file up to the signature, and whose every page hash matches the file's bytes. This is what macOS checks
// before it runs an arm64 executable (an unsigned or mis-signed one is killed at exec).
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");

const MH_MAGIC_64 = 0xfeedfacf;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CS_ADHOC = 0x2;
const CPU = { 0x01000007: "x86_64", 0x0100000c: "arm64" };

/**
 * Checks `file`; returns what it found ({ cpu, segments, identifier, pageSize, pages }) or throws naming what
 * is wrong.
 */
function verifyAdhocSignature(file) {
  const b = fs.readFileSync(file);
  if (b.readUInt32LE(0) !== MH_MAGIC_64) throw new Error(`${file}: not a 64-bit Mach-O executable`);
  const cpu = CPU[b.readUInt32LE(4)] ?? `cpu 0x${b.readUInt32LE(4).toString(16)}`;
  const ncmds = b.readUInt32LE(16);
  const segments = [];
  let sig;
  for (let i = 0, off = 32; i < ncmds; i++) {
    const cmd = b.readUInt32LE(off);
    const size = b.readUInt32LE(off + 4);
    if (cmd === LC_SEGMENT_64) segments.push(b.toString("latin1", off + 8, off + 24).replace(/\0+$/, ""));
    if (cmd === LC_CODE_SIGNATURE) sig = { off: b.readUInt32LE(off + 8), size: b.readUInt32LE(off + 12) };
    off += size;
  }
  if (!sig) throw new Error(`${file}: no code signature (LC_CODE_SIGNATURE)`);
  if (b.readUInt32BE(sig.off) !== CSMAGIC_EMBEDDED_SIGNATURE) throw new Error(`${file}: the code signature is not an embedded signature SuperBlob`);
  const count = b.readUInt32BE(sig.off + 8);
  let cd;
  for (let i = 0; i < count; i++) {
    const type = b.readUInt32BE(sig.off + 12 + i * 8);
    const at = sig.off + b.readUInt32BE(sig.off + 16 + i * 8);
    if (type === 0 && b.readUInt32BE(at) === CSMAGIC_CODEDIRECTORY) cd = at;
  }
  if (cd === undefined) throw new Error(`${file}: the signature has no CodeDirectory`);
  const flags = b.readUInt32BE(cd + 12);
  const hashOffset = b.readUInt32BE(cd + 16);
  const identOffset = b.readUInt32BE(cd + 20);
  const nCodeSlots = b.readUInt32BE(cd + 28);
  const codeLimit = b.readUInt32BE(cd + 32);
  const hashSize = b.readUInt8(cd + 36);
  const hashType = b.readUInt8(cd + 37);
  const pageSize = 2 ** b.readUInt8(cd + 39);
  const identifier = b.toString("utf8", cd + identOffset, b.indexOf(0, cd + identOffset));
  if (!(flags & CS_ADHOC)) throw new Error(`${file}: the CodeDirectory is not ad hoc (flags 0x${flags.toString(16)})`);
  if (hashType !== 2 || hashSize !== 32) throw new Error(`${file}: the CodeDirectory hashes with type ${hashType} (${hashSize} bytes), not SHA-256`);
  if (codeLimit !== sig.off) throw new Error(`${file}: the signature covers ${codeLimit} bytes, the code is ${sig.off}`);
  if (nCodeSlots !== Math.ceil(codeLimit / pageSize)) throw new Error(`${file}: ${nCodeSlots} page hashes for ${codeLimit} bytes of ${pageSize}-byte pages`);
  for (let i = 0; i < nCodeSlots; i++) {
    const page = b.subarray(i * pageSize, Math.min((i + 1) * pageSize, codeLimit));
    const want = b.subarray(cd + hashOffset + i * hashSize, cd + hashOffset + (i + 1) * hashSize);
    if (!crypto.createHash("sha256").update(page).digest().equals(want)) throw new Error(`${file}: page ${i} does not match its hash in the signature`);
  }
  return { cpu, segments, identifier, pageSize, pages: nCodeSlots };
}

/**
 * A digest of the symbol table's names, in order (nlist entries read through the string table): injecting the blob
 * rewrites __LINKEDIT (postject's LIEF compacts the string table), and the executable must keep every symbol of the
 * Node.js binary it was made from (native addons link against them).
 */
function symbolsDigest(file) {
  const b = fs.readFileSync(file);
  const ncmds = b.readUInt32LE(16);
  for (let i = 0, off = 32; i < ncmds; i++) {
    if (b.readUInt32LE(off) === 0x2) {
      const [symoff, nsyms, stroff] = [b.readUInt32LE(off + 8), b.readUInt32LE(off + 12), b.readUInt32LE(off + 16)];
      const h = crypto.createHash("sha256");
      for (let k = 0; k < nsyms; k++) {
        const e = symoff + k * 16; // struct nlist_64: n_strx, n_type, n_sect, n_desc, n_value
        const strx = stroff + b.readUInt32LE(e);
        h.update(b.subarray(strx, b.indexOf(0, strx))).update(b.subarray(e + 4, e + 8)).update("\0");
      }
      return { symbols: nsyms, digest: h.digest("hex") };
    }
    off += b.readUInt32LE(off + 4);
  }
  throw new Error(`${file}: no symbol table`);
}

module.exports = { verifyAdhocSignature, symbolsDigest };

if (require.main === module) {
  for (const f of process.argv.slice(2)) process.stdout.write(`${f}: ${JSON.stringify(verifyAdhocSignature(f))}\n`);
}
