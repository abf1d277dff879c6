/**
 * GSM 7-bit character tables of 3GPP TS 23.038: the default alphabet (§6.2.1) and its
 * extension table (§6.2.1.1), plus the national language locking shift tables (Annex A.3) and
 * single shift tables (Annex A.2) we support. A locking shift table replaces the whole basic
 * table for the message; a single shift table replaces the extension table reached through
 * ESC (0x1B). Which tables a message uses travels in the UDH (TS 23.040 §9.2.3.24.15/16:
 * IEI 0x24 locking, 0x25 single shift), so they need a UDH.
 */

/** Index = septet value; 0x1B is the escape and has no character of its own. */
export const DEFAULT_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** §6.2.1.1: each costs ESC + one septet. */
export const DEFAULT_EXTENSION: ReadonlyArray<[number, string]> = [
  [0x0a, '\f'], [0x14, '^'], [0x28, '{'], [0x29, '}'], [0x2f, '\\'],
  [0x3c, '['], [0x3d, '~'], [0x3e, ']'], [0x40, '|'], [0x65, '€'],
];

/** National language identifiers (TS 23.038 §6.2.1.2.4) of the tables we carry. */
export const NATIONAL_LANGUAGE_ID = { turkish: 0x01, spanish: 0x02, portuguese: 0x03 } as const;
export type NationalLanguage = keyof typeof NATIONAL_LANGUAGE_ID;
export const NATIONAL_LANGUAGES = Object.keys(NATIONAL_LANGUAGE_ID) as NationalLanguage[];

export function languageById(id: number): NationalLanguage | undefined {
  return NATIONAL_LANGUAGES.find((l) => NATIONAL_LANGUAGE_ID[l] === id);
}

/** Annex A.3. Spanish has no locking shift table (A.3.2 is void). */
export const LOCKING_SHIFT: Readonly<Partial<Record<NationalLanguage, string>>> = {
  // A.3.1 Turkish
  turkish:
    '@£$¥€éùıòÇ\nĞğ\rÅå' +
    'Δ_ΦΓΛΩΠΨΣΘΞ\x1bŞşßÉ' +
    ' !"#¤%&\'()*+,-./' +
    '0123456789:;<=>?' +
    'İABCDEFGHIJKLMNO' +
    'PQRSTUVWXYZÄÖÑÜ§' +
    'çabcdefghijklmno' +
    'pqrstuvwxyzäöñüà',
  // A.3.3 Portuguese
  portuguese:
    '@£$¥êéúíóç\nÔô\rÁá' +
    'Δ_ªÇÀ∞^\\€Ó|\x1bÂâÊÉ' +
    ' !"#º%&\'()*+,-./' +
    '0123456789:;<=>?' +
    'ÍABCDEFGHIJKLMNO' +
    'PQRSTUVWXYZÃÕÚÜ§' +
    '~abcdefghijklmno' +
    'pqrstuvwxyzãõ`üà',
};


/** Annex A.2 single shift tables (code after ESC → character). */
export const SINGLE_SHIFT: Readonly<Record<NationalLanguage, ReadonlyArray<[number, string]>>> = {
  // A.2.1 Turkish
  turkish: [...DEFAULT_EXTENSION, [0x47, 'Ğ'], [0x49, 'İ'], [0x53, 'Ş'], [0x63, 'ç'], [0x67, 'ğ'], [0x69, 'ı'], [0x73, 'ş']],
  // A.2.2 Spanish
  spanish: [
    ...DEFAULT_EXTENSION, [0x09, 'ç'], [0x41, 'Á'], [0x49, 'Í'], [0x4f, 'Ó'], [0x55, 'Ú'], [0x61, 'á'], [0x69, 'í'], [0x6f, 'ó'], [0x75, 'ú'],
  ],
  // A.2.3 Portuguese
  portuguese: [
    ...DEFAULT_EXTENSION, [0x05, 'ê'], [0x09, 'ç'], [0x0b, 'Ô'], [0x0c, 'ô'], [0x0e, 'Á'], [0x0f, 'á'], [0x12, 'Φ'], [0x13, 'Γ'],
    [0x15, 'Ω'], [0x16, 'Π'], [0x17, 'Ψ'], [0x18, 'Σ'], [0x19, 'Θ'], [0x1f, 'Ê'], [0x41, 'À'], [0x49, 'Í'], [0x4f, 'Ó'],
    [0x55, 'Ú'], [0x5b, 'Ã'], [0x5c, 'Õ'], [0x61, 'Â'], [0x69, 'í'], [0x6f, 'ó'], [0x75, 'ú'], [0x7b, 'ã'], [0x7c, 'õ'], [0x7f, 'â'],
  ],
};
