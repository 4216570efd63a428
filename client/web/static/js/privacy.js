// Before a case text is shared: likely personal data about clients or colleagues, so the
// inbrenger can take it out (or share anyway). E-mail addresses, phone numbers, numbers
// that pass the 11-proef of a BSN, dates of birth and full names. A prompt, not a filter:
// it errs on the side of saying nothing when in doubt about names.

const MONTHS = [
  "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november",
  "december", "january", "february", "march", "may", "june", "july", "august", "october",
];
const MONTH_ABBR = ["jan", "feb", "mrt", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "oct", "nov", "dec"];
const MONTH = `(?:${[...MONTHS, ...MONTH_ABBR.map((m) => `${m}\\.?`)].join("|")})`;
const WEEKDAYS = [
  "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag",
  "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
];

/** Capitalised words that are not (part of) a person's name. */
const NOT_A_NAME = new Set([
  ...MONTHS, ...WEEKDAYS,
  // roles, organisations and places of work
  "teamleider", "manager", "directeur", "directie", "bestuur", "raad", "cliënt", "client", "collega", "team",
  "afdeling", "gemeente", "ziekenhuis", "huisarts", "dokter", "zorg", "jeugdzorg", "school", "wijkteam", "stichting",
  "ministerie", "inspectie", "rechtbank", "politie", "ondernemingsraad", "week", "dag", "council", "board",
  "department", "head", "office", "committee", "ministry", "hospital", "university", "centre", "center", "trust",
  "service", "services", "foundation", "police", "court", "ward", "unit", "works", "staff", "hr",
  // titles (a name after one is found by the title rule)
  "meneer", "mevrouw", "mevr", "mw", "dhr", "mr", "mrs", "ms", "miss", "dr", "drs", "ir", "prof",
  // holidays, languages, countries, tools
  "kerst", "kerstmis", "pasen", "pinksteren", "ramadan", "suikerfeest", "koningsdag", "sinterklaas", "christmas",
  "easter", "nederland", "nederlands", "belgië", "engels", "duits", "dutch", "english", "german", "god", "kring",
  "intervisie", "teams", "zoom", "whatsapp", "outlook", "excel", "google", "microsoft", "corona", "covid",
  "noord", "zuid", "oost", "west", "north", "south", "east", "midden", "centraal",
  // ordinals and days off ("Tweede Kerstdag")
  "eerste", "tweede", "derde", "first", "second", "third", "kerstdag", "paasdag", "pinksterdag", "hemelvaartsdag",
  "nieuwjaarsdag", "oudejaarsdag", "bevrijdingsdag",
]);
/** words that often open a sentence and are capitalised only because of that */
const STARTERS = new Set([
  "de", "het", "een", "ik", "jij", "je", "hij", "zij", "ze", "wij", "we", "jullie", "mijn", "jouw", "zijn", "haar",
  "onze", "ons", "hun", "dit", "dat", "deze", "die", "daar", "hier", "er", "in", "op", "met", "bij", "na", "voor",
  "naar", "van", "uit", "over", "onder", "tegen", "tijdens", "sinds", "volgens", "toen", "als", "maar", "en", "of",
  "want", "dus", "omdat", "hoewel", "ook", "nu", "dan", "eerst", "daarna", "later", "gisteren", "vandaag", "morgen",
  "vorige", "volgende", "afgelopen", "elke", "iedere", "iedereen", "niemand", "soms", "vaak", "altijd", "nooit",
  "wel", "niet", "geen", "alle", "veel", "sommige", "laatst", "onlangs", "wat", "hoe", "wie", "waar", "waarom",
  "wanneer", "welke", "beste", "hoi", "hallo", "dag", "zelfs", "vooral", "meestal", "samen", "the", "a", "an", "you",
  "he", "she", "they", "my", "your", "his", "her", "our", "their", "this", "that", "these", "those", "on", "at",
  "with", "by", "for", "to", "from", "of", "after", "before", "since", "during", "when", "if", "but", "and", "or",
  "so", "because", "although", "also", "then", "now", "yesterday", "today", "tomorrow", "last", "next", "every",
  "some", "many", "all", "no", "not", "what", "how", "who", "where", "why", "which", "dear", "hi", "hello", "even",
  "according", "only", "both", "either", "meanwhile",
]);
const PARTICLES = new Set(["van", "de", "der", "den", "ter", "ten", "te", "'t", "op", "in", "la", "le", "du", "da", "di", "von", "el", "al", "bin", "ibn", "dos", "das", "del"]);
/** places and organisations that look like a full name */
const PLACES = [
  "den haag", "den bosch", "den helder", "new york", "los angeles", "san francisco", "united kingdom", "united states",
  "hong kong", "bergen op zoom", "nieuw vennep", "costa rica", "veilig thuis", "albert heijn", "leger des heils",
  "rode kruis", "centrum jeugd en gezin", "william schrikker", "sociaal domein", "samen veilig",
];

/** Case-insensitive for the first letter only (the "i" flag would make \p{Lu} match lower case too). */
const either = (word) => `[${word[0].toUpperCase()}${word[0]}]${word.slice(1).replaceAll(".", "\\.")}`;
const TITLES = [
  "meneer", "mevrouw", "mevr.", "mevr", "mw.", "mw", "dhr.", "dhr", "de heer", "collega", "cliënt", "client",
  "patiënt", "patient", "leerling", "buurman", "buurvrouw", "juf", "meester", "mr.", "mr", "mrs.", "mrs", "ms.", "ms",
  "miss", "dr.", "dr", "colleague",
];
const TITLE_NAME = new RegExp(
  `(?<![\\p{L}])(?:${TITLES.map(either).join("|")})[ \\t]+((?:(?:${[...PARTICLES].join("|")})[ \\t]+)*\\p{Lu}[\\p{L}'-]+(?:[ \\t]+\\p{Lu}[\\p{L}'-]+)?)`,
  "gu",
);

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
const PHONE_INTL = /(?<![\p{L}\p{N}+])(?:\+|00)[1-9]\d{0,2}(?:[ \t.-]?\(?\d+\)?){1,7}/gu;
// 0 and nine digits (Dutch), or ten (as in the UK), with spaces, dashes, dots or (0xx) between
const PHONE_NL = /(?<![\p{L}\p{N}])\(?0[1-9](?:[ \t.-]{0,3}\)?[ \t.-]{0,3}\d){8,9}(?!\p{N})/gu;
const BSN_LIKE = /(?<![\p{L}\p{N}.,€$-])(?:\d{3}[. ]\d{3}[. ]\d{3}|\d{8,9})(?![\p{N}]|[.,]\d)/gu;
const DATES = [
  /(?<![\p{N}])(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?![\p{N}])/gu, // 12-03-1984, 2/5/61
  /(?<![\p{N}])(\d{4})-(\d{1,2})-(\d{1,2})(?![\p{N}])/gu, // 1984-03-12
  new RegExp(`(?<![\\p{N}])(\\d{1,2})(?:e|ste|de|st|nd|rd|th)?[ \\t]+(?:of[ \\t]+)?(${MONTH})[ \\t,]+(\\d{4})(?![\\p{N}])`, "giu"), // 12 maart 1984
  new RegExp(`(?<![\\p{L}])(${MONTH})[ \\t]+(\\d{1,2})(?:st|nd|rd|th)?,?[ \\t]+(\\d{4})(?![\\p{N}])`, "giu"), // March 12, 1984
];
const BIRTH = /(geboren|geb\.|geb\b|geboortedatum|geboortedag|born|birth|dob|d\.o\.b)/iu;

/** The 11-proef of a BSN: 9×d1 + 8×d2 + … + 2×d8 − 1×d9 ≡ 0 (mod 11), not all zeros. */
export function elfproef(number) {
  const digits = String(number).replace(/[. ]/g, "");
  if (!/^\d{8,9}$/.test(digits)) return false;
  const d = digits.padStart(9, "0").split("").map(Number);
  if (d.every((x) => x === 0)) return false;
  const sum = d.slice(0, 8).reduce((acc, x, i) => acc + (9 - i) * x, 0) - d[8];
  return sum % 11 === 0;
}

function dateYear(m, pattern) {
  if (pattern === 1) return { day: Number(m[3]), month: Number(m[2]), year: Number(m[1]), short: false };
  if (pattern === 0) {
    const short = m[3].length === 2;
    return { day: Number(m[1]), month: Number(m[2]), year: Number(m[3]), short };
  }
  const day = Number(pattern === 2 ? m[1] : m[2]);
  return { day, month: 1, year: Number(m[3]), short: false };
}

/**
 * Likely personal data in `text`: a list of {kind, text}, kind one of "email", "phone",
 * "bsn", "birthdate" or "name", in the order they appear, each found text once.
 */
export function findPersonalData(text) {
  const source = String(text || "");
  let work = source; // found spans are blanked here so one number is not found twice
  const found = [];
  const take = (kind, start, end) => {
    found.push({ kind, start, text: source.slice(start, end).trim() });
    work = work.slice(0, start) + " ".repeat(end - start) + work.slice(end);
  };

  for (const m of work.matchAll(EMAIL)) take("email", m.index, m.index + m[0].length);
  for (const m of [...work.matchAll(PHONE_INTL)]) {
    const digits = m[0].replace(/\D/g, "").length;
    if (digits >= 9 && digits <= 15) take("phone", m.index, m.index + m[0].replace(/[ \t.-]+$/, "").length);
  }
  for (const m of [...work.matchAll(PHONE_NL)]) take("phone", m.index, m.index + m[0].length);
  DATES.forEach((pattern, i) => {
    for (const m of [...work.matchAll(pattern)]) {
      const { day, month, year, short } = dateYear(m, i);
      if (day < 1 || day > 31 || month < 1 || month > 12) continue;
      const near = BIRTH.test(source.slice(Math.max(0, m.index - 40), m.index));
      const born = near || (!short && year >= 1900 && year <= 2015);
      if (born) take("birthdate", m.index, m.index + m[0].length);
      else work = work.slice(0, m.index) + " ".repeat(m[0].length) + work.slice(m.index + m[0].length);
    }
  });
  for (const m of [...work.matchAll(BSN_LIKE)]) if (elfproef(m[0])) take("bsn", m.index, m.index + m[0].length);
  for (const m of [...work.matchAll(TITLE_NAME)]) {
    const name = m[1].trim().split(/[ \t]+/);
    if (name.some((w) => NOT_A_NAME.has(w.toLowerCase().replace(/\.$/, "")) || (STARTERS.has(w.toLowerCase()) && !PARTICLES.has(w.toLowerCase()))))
      continue;
    take("name", m.index, m.index + m[0].length);
  }
  for (const [start, end] of nameRuns(work)) take("name", start, end);

  const seen = new Set();
  return found
    .sort((a, b) => a.start - b.start)
    .filter((f) => f.text && !seen.has(`${f.kind}:${f.text}`) && seen.add(`${f.kind}:${f.text}`))
    .map(({ kind, text: t }) => ({ kind, text: t }));
}

const CAPITALISED = /^\p{Lu}(?:\p{Ll}|'\p{Lu})/u;

/** Runs of two or more capitalised words (with van/de/der … between) that look like a name. */
function nameRuns(text) {
  const tokens = [...text.matchAll(/[\p{L}][\p{L}'’-]*/gu)].map((m) => ({
    word: m[0],
    start: m.index,
    end: m.index + m[0].length,
    lower: m[0].toLowerCase(),
  }));
  const startsSentence = (tok) => {
    const before = text.slice(0, tok.start).replace(/[ \t"'‘“(]+$/u, "");
    return before === "" || /[.!?:;\n]$/.test(before);
  };
  const joined = (a, b) => /^[ \t]+$/.test(text.slice(a.end, b.start));
  const isCap = (tok) => CAPITALISED.test(tok.word) && !NOT_A_NAME.has(tok.lower);
  const runs = [];
  let run = [];
  const flush = () => {
    while (run.length && !isCap(run.at(-1))) run.pop(); // no trailing particles
    if (run.length && startsSentence(run[0]) && STARTERS.has(run[0].lower)) run.shift();
    while (run.length && !isCap(run[0])) run.shift();
    const caps = run.filter(isCap).length;
    const phrase = run.map((t) => t.lower).join(" ");
    if (caps >= 2 && !PLACES.includes(phrase)) runs.push([run[0].start, run.at(-1).end]);
    run = [];
  };
  for (const tok of tokens) {
    const fits = isCap(tok) || (PARTICLES.has(tok.lower) && run.length > 0);
    if (run.length && (!fits || !joined(run.at(-1), tok))) flush();
    if (isCap(tok) || (PARTICLES.has(tok.lower) && run.length > 0)) run.push(tok);
  }
  flush();
  return runs;
}
