// Character cards in and out: SillyTavern / TavernAI / chub / RisuAI cards (V1, V2, V3 JSON, PNG
// with `chara`/`ccv3` chunks, .charx). Pure: no database, no network, no file system.
export { importCard, defaultImportCardOptions, type ImportCardOptions } from './import.ts';
export { exportCard, type ExportCardOptions, type ExportFormat, type ExportedCard } from './export.ts';
export { CardError, type CardErrorCode } from './errors.ts';
export {
  CharacterDraft,
  DraftPersona,
  ExportableCharacter,
  KnowledgeEntry,
  type CardAvatar,
  type CardInput,
  type CardSpec,
  type ImportedCard,
} from './types.ts';
