import { decodeUtf8, startsWith } from './bytes.ts';
import { identifyCard, isJsonObject, parseJson } from './card.ts';
import { readCard } from './draft.ts';
import { CardError } from './errors.ts';
import type { CardAvatar, ImportedCard } from './types.ts';
import { readZipDirectory, readZipEntry, type ZipEntry, type ZipLimits } from './zip.ts';

// A .charx (RisuAI, V3 spec) is a ZIP with the card at card.json and its assets beside it, linked
// from `data.assets` by `embeded://<path>` URIs (sic: the spec's spelling).

export function readCharx(zip: Uint8Array, limits: ZipLimits): ImportedCard {
  const entries = readZipDirectory(zip, limits);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const cardEntry = byName.get('card.json');
  if (!cardEntry) throw new CardError('no_card', 'the .charx has no card.json');
  const raw = parseJson(decodeUtf8(readZipEntry(zip, cardEntry, limits)), 'card.json');
  const card = identifyCard(raw, 'card.json');
  const result = readCard(card);
  const warnings = [...result.warnings];

  const iconEntry = findIcon(card.data.assets, byName, entries);
  let avatar: CardAvatar | undefined;
  if (iconEntry) {
    const bytes = readZipEntry(zip, iconEntry, limits);
    const contentType = sniffImage(bytes);
    if (contentType) avatar = { bytes, contentType };
    else
      warnings.push(
        `ignored the icon asset ${iconEntry.name}: it is not a PNG, JPEG, WebP, GIF or AVIF image`,
      );
  }
  return { spec: card.spec, ...result, warnings, ...(avatar ? { avatar } : {}), raw };
}

/**
 * The main icon: the `icon` asset named `main`, else the first `icon` asset, else the first file
 * under `assets/icon/` (where RisuAI puts it) when the card's asset list points nowhere inside.
 */
function findIcon(assets: unknown, byName: Map<string, ZipEntry>, entries: ZipEntry[]): ZipEntry | undefined {
  const icons = (Array.isArray(assets) ? assets : []).filter(
    (a): a is Record<string, unknown> => isJsonObject(a) && a.type === 'icon' && typeof a.uri === 'string',
  );
  icons.sort((a, b) => Number(b.name === 'main') - Number(a.name === 'main'));
  for (const icon of icons) {
    const match = /^embedd?ed:\/\/\/?(.+)$/.exec(icon.uri as string);
    const entry = match?.[1] === undefined ? undefined : byName.get(match[1]);
    if (entry) return entry;
  }
  return entries.find((e) => e.name.startsWith('assets/icon/') && !e.name.endsWith('/'));
}

/** The image type from the bytes themselves; an asset's declared extension is not trusted. */
export function sniffImage(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'image/gif';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8))
    return 'image/webp';
  if (startsWith(bytes, [0x66, 0x74, 0x79, 0x70, 0x61, 0x76, 0x69], 4)) return 'image/avif';
  return undefined;
}
