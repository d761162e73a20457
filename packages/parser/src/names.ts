import { COMPACT, type KnownHeaderName } from './internal/names.js';

export { KNOWN_HEADER_NAMES, type KnownHeaderName } from './header-names.js';
export { canonicalHeaderName } from './internal/names.js';

/**
 * Compact header forms (RFC 3261 §7.3.3 and the IANA "Header Fields" registry): `v` → `Via`.
 *
 * @public
 */
export const COMPACT_FORMS: Readonly<Record<string, KnownHeaderName>> = COMPACT;
