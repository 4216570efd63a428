// Gentle prompts for the questions round: advice in disguise ("Zou je niet gewoon …?",
// "Why don't you …?") and closed questions get a prompt to their author before they are
// sent. Only a prompt: the author may send anyway. The rules are plain data below, one
// regular expression each with a short id, per language. They run on a normalised copy of
// each question sentence (lower case, straight quotes, fillers like "en," or "so" dropped).
// Advice wins over closed; advice rules of both languages apply (people switch), closed
// rules of the language asked for.

const W = "[\\p{L}\\p{N}'-]+"; // one word
const WS = (n) => `(?:${W} ){0,${n}}`; // up to n words, each followed by a space
const rx = (source) => new RegExp(source.replace(/WORDS(\d)/g, (_, n) => WS(Number(n))).replaceAll("WORD", W), "u");

/** Asking to hear more ("Kun je eens vertellen …", "Could you explain …") is no advice. */
const TELL_MORE =
  /\b(vertellen|vertel|uitleggen|toelichten|beschrijven|schetsen|voorbeeld|verduidelijken|herhalen|tell|explain|describe|elaborate|example|say more|clarify)\b/u;

/** Question words: a sentence that has one is not a declarative yes/no question. */
const WH_NL = /\b(wat|hoe|waarom|waardoor|welke|welk|wie|wanneer|waar|waarover|waarmee|waaraan|waarin|waarvan|waarvoor|hoezo|hoeveel|hoelang|hoe lang)\b/u;
const WH_EN = /\b(what|how|why|who|whom|whose|when|where|which)\b/u;

const NOUNS_AFTER_JE =
  "collega|collega's|teamleider|leidinggevende|manager|cliënt|client|cliënten|partner|team|baas|moeder|vader|ouders|kind|kinderen|zoon|dochter|man|vrouw|vriend|vriendin|werk|afdeling|directeur|begeleider|coach";

const PRON_NL = "je|jij|u|ik|we|wij|jullie";
/** finite verbs that can open a yes/no question with any subject ("Weet je teamleider …?") */
const FINITE_NL = [
  "is", "was", "waren", "heeft", "hebt", "hebben", "had", "hadden", "kan", "kunt", "kunnen", "kon", "konden",
  "wil", "wilt", "willen", "wilde", "wilden", "zal", "zult", "zullen", "zou", "zouden", "moet", "moeten", "moest",
  "moesten", "mag", "mogen", "mocht", "weet", "weten", "wist", "vindt", "vinden", "vond", "denkt", "denken", "dacht",
  "voelt", "voelde", "merkt", "merkte", "ziet", "zag", "gaat", "gaan", "ging", "gingen", "doet", "doen", "deed",
  "speelt", "speelde", "klopt", "klopte", "helpt", "hielp", "werkt", "werkte", "lukt", "lukte", "gebeurt", "gebeurde",
  "komt", "kwam", "blijft", "bleef", "krijgt", "kreeg", "herkent", "ervaart", "begrijpt", "snapt", "past", "paste",
  "maakt", "maakte", "staat", "stond", "hoort", "hoorde", "zegt", "zei", "praat", "bestaat", "geldt", "valt", "viel",
  "verandert", "veranderde", "ligt", "lag", "zit", "zat", "durft", "hoopt", "verwacht", "mist", "kent", "kende",
  "neemt", "nam", "geeft", "gaf", "vraagt", "vroeg", "reageert", "reageerde", "raakt", "raakte", "houdt", "hield",
  "lijkt", "leek", "wordt", "werd", "worden", "werden", "gelooft", "twijfelt", "stoort", "ergert", "spreekt", "sprak",
  "verwachtte", "wilde", "bedoelt", "bedoelde", "hebben", "telt", "weegt", "schaamt", "vertrouwt", "herinnert",
];
/** verb stems that open a yes/no question with je/jij/u/ik/we ("Ervaar je …?", "Snap ik …?") */
const STEM_NL = [
  "heb", "ben", "kun", "vind", "denk", "voel", "merk", "zie", "hoor", "ervaar", "herken", "ga", "doe", "sta", "blijf",
  "krijg", "durf", "hoop", "verwacht", "begrijp", "snap", "zeg", "praat", "spreek", "werk", "houd", "hou", "geef",
  "neem", "maak", "kom", "lig", "zit", "slaap", "lees", "schrijf", "deel", "vraag", "probeer", "wacht", "twijfel",
  "mis", "ken", "gebruik", "zoek", "schaam", "erger", "herinner", "geloof", "vertrouw", "speel", "stel", "kies",
  "schrik", "lach", "eet", "drink", "ervaar", "bedoel", "wil", "kan", "weet", "moet", "mag", "zal",
];
const AUX_EN =
  "is|are|was|were|am|do|does|did|have|has|had|can|could|would|will|should|shall|may|might|must|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|haven't|hasn't|hadn't|can't|couldn't|wouldn't|won't|shouldn't|mustn't";

export const RULES = {
  nl: [
    // advice in disguise
    { id: "nl-overwogen", kind: "advice", re: rx("^(heb|had|hebt|heeft) (je|jij|u) (er )?WORDS3(overwogen|geprobeerd) (om|te|WORD te)\\b") },
    { id: "nl-overwogen-kort", kind: "advice", re: rx("^(heb|had|hebt|heeft) (je|jij|u) WORDS3overwogen\\b") },
    { id: "nl-aan-gedacht", kind: "advice", re: rx("^(heb|had|hebt) (je|jij|u)\\b.{0,40}(aan|over) ?(na)?gedacht (om|te|aan|dat)\\b") },
    { id: "nl-gedacht-aan", kind: "advice", re: rx("^(heb|had|hebt) (je|jij|u) WORDS3(al|eens|ooit) (na)?gedacht aan\\b") },
    { id: "nl-aan-iets-gedacht", kind: "advice", re: rx("^(heb|had|hebt) (je|jij|u) WORDS3aan WORDS3gedacht\\b") },
    { id: "nl-zou-niet", kind: "advice", re: rx("^(zou|zoudt) (je|jij|u|jullie) WORDS4(niet|eens|gewoon|beter|misschien|liever)\\b"), unless: TELL_MORE },
    { id: "nl-kun-niet", kind: "advice", re: rx("^(kun|kan|kunt|kunnen) (je|jij|u|jullie) WORDS4(niet|geen|eens|gewoon|beter|misschien|ook)\\b"), unless: TELL_MORE },
    { id: "nl-moet-niet", kind: "advice", re: rx("^(moet|moeten|hoef|hoeft) (je|jij|u|jullie) WORDS4(niet|geen|eens|gewoon|eerst|misschien|beter)\\b"), unless: TELL_MORE },
    { id: "nl-had-niet", kind: "advice", re: rx("^(had|hadden) (je|jij|u|jullie) WORDS4(niet|geen) WORDS4(kunnen|moeten|beter|eerder)\\b") },
    { id: "nl-niet-gewoon", kind: "advice", re: rx("^WORD (je|jij|u|jullie) WORDS4niet (gewoon|eerst|beter|even|liever|toch)\\b"), unless: TELL_MORE },
    {
      id: "nl-waarom-niet",
      kind: "advice",
      re: rx("^waarom (?!(heb|had|ben|was|waren|deed|zei|vond|wil|wilde|voel|voelde|denk|dacht|weet|wist|kon|durf|durfde|snap|begrijp)\\b)WORD (je|jij|u|jullie) WORDS5(niet|geen|niets|niks|nooit)\\b"),
    },
    { id: "nl-waarom-zou-je", kind: "advice", re: rx("^waarom (zou|zoudt) (je|jij|u) WORDS4(niet|geen)\\b") },
    { id: "nl-is-het-idee", kind: "advice", re: rx("^(is|lijkt|zou) (het|dat|dit) (niet |geen |misschien |ook |dan |je |jou |u )*(een )?(goed |goede |slim |beter )?(idee|plan|optie|oplossing|beter|handiger|slimmer|verstandiger|verstandig|zinvoller|zinvol|tijd)\\b.*\\b(om|als|te)\\b") },
    { id: "nl-zou-het-niet", kind: "advice", re: rx("^(zou|is|lijkt|wordt) (het|dat) (je |jou |u )?(niet|geen) WORDS2(zijn |worden )?(als|om) ") },
    { id: "nl-niet-de-beste", kind: "advice", re: rx("\\bniet (de|het|een) (beste|betere|slimste|verstandigste|handigste|logische) (stap|optie|oplossing|weg|idee|keuze|plan)\\b") },
    { id: "nl-reden-niet", kind: "advice", re: rx("^(is er|heb je|zie je) (een )?(reden|aanleiding) (dat|waarom|om) (je|jij|u) WORDS4(nog )?(niet|geen)\\b") },
    { id: "nl-zou-het-helpen", kind: "advice", re: rx("^(zou|zal|kan|kon|zouden) (het|een|de|wat|meer|minder|dat|dit)\\b.{0,60}\\b(helpen|schelen|werken|slimmer|handiger|verstandiger|beter) ?(zijn )?(om|als|wanneer)?\\b") },
    { id: "nl-wat-als", kind: "advice", re: rx(`^wat (nou |nu |dan )?als (je|jij|u|jullie) (?!(${NOUNS_AFTER_JE})\\b)`) },
    { id: "nl-wat-vind-je-ervan", kind: "advice", re: rx("^wat (vind|denk|zeg|vindt|zegt) (je|jij|u) (ervan|daarvan|erover) (om|als)\\b") },
    { id: "nl-wat-denk-je-van", kind: "advice", re: rx("^wat (denk|vind|denkt|vindt) (je|jij|u) (van|van het idee) (een|om|als|het idee)\\b") },
    { id: "nl-misschien", kind: "advice", re: rx("^(misschien|wellicht|eventueel) (kun|kan|kunt|moet|zou|zoudt|is het|helpt het|werkt het|wil|zou het)\\b") },
    { id: "nl-je-zou-ook", kind: "advice", re: rx("^(je|jij|u|jullie) (zou|zoudt|kunt|kan|kun|moet|zouden|kunnen|moeten) WORDS3(ook|eens|gewoon|beter|misschien|toch|altijd|eerst)\\b") },
    { id: "nl-gewoon", kind: "advice", re: rx("\\b(als|om|waarom|kun|kan|kunt|zou|moet) (je|jij|u|jullie)\\b.*\\bgewoon\\b") },
    { id: "nl-probeer-eens", kind: "advice", re: rx("^(probeer|doe|ga|vraag|zeg|bel|stuur|plan) (eens|dan|gewoon|toch)\\b") },
    { id: "nl-tip", kind: "advice", re: rx("^mag ik (je )?(een |iets )?(tip|suggestie|advies|voorstel|meegeven|adviseren|voorstellen)") },
    // closed questions: a finite verb first (Dutch yes/no word order), a tag, or a statement with a question mark
    { id: "nl-gesloten-werkwoord", kind: "closed", re: rx(`^(${FINITE_NL.join("|")}) WORD`) },
    { id: "nl-gesloten-stam", kind: "closed", re: rx(`^(${STEM_NL.join("|")}) (${PRON_NL})\\b`) },
    { id: "nl-gesloten-zijn", kind: "closed", re: rx("^zijn (er|ze|zij|jullie|we|wij|dat|die|dit|deze|de|het|u)\\b") },
    { id: "nl-gesloten-staart", kind: "closed", re: rx("(,|\\s)(toch|of niet|klopt dat|klopt het|hè|he|niet dan|of wel|ja of nee)\\s*\\?$") },
    { id: "nl-gesloten-stelling", kind: "closed", re: rx("^(je|jij|u|jullie|hij|zij|ze|het|de|die|dat|jouw|haar|hun|er|ik|we|wij) WORD\\b.*\\?$"), unless: WH_NL },
  ],
  en: [
    // advice in disguise
    { id: "en-have-you-tried", kind: "advice", re: rx("^(have|had|did) you (ever |already |yet |not )?(tried|try|considered|consider|thought about|thought of|think about|think of|looked into)\\b(?! (what|how|why|who|where|when|which|whether|if)\\b)") },
    { id: "en-ever-thought", kind: "advice", re: rx("^(ever|never) (thought|considered|tried)\\b") },
    { id: "en-why-dont-you", kind: "advice", re: rx("^why (don't|do not|wouldn't|won't|can't|couldn't|shouldn't) (you|we)\\b(?! (want|like|feel|think|know|trust|believe|care|remember|understand|agree)\\b)") },
    { id: "en-why-not", kind: "advice", re: rx("^why not\\b") },
    { id: "en-wouldnt-it", kind: "advice", re: rx("^(wouldn't|would|won't|will|couldn't|could|might|may) (it|that|this) (not )?(be )?(better|easier|wiser|wise|smarter|smart|sensible|helpful|help|make sense|be worth|worth|work|an idea|a good idea|good)\\b") },
    { id: "en-wouldnt-a", kind: "advice", re: rx("^(wouldn't|couldn't|won't|mightn't) (a|an|some|more|less|just)\\b") },
    { id: "en-couldnt-you", kind: "advice", re: rx("^(couldn't|can't|shouldn't|wouldn't|mightn't) you\\b"), unless: TELL_MORE },
    { id: "en-shouldnt", kind: "advice", re: rx("^shouldn't\\b") },
    { id: "en-reason-not", kind: "advice", re: rx("^(is there|do you have|have you got) (a|any) reason (why )?(you|u) WORDS2(haven't|didn't|don't|aren't|won't|have not|did not|do not)\\b") },
    { id: "en-could-you-just", kind: "advice", re: rx("^(could|can|should|would|might) you WORDS3(not|just|simply|maybe|perhaps|try|always|also|rather)\\b"), unless: TELL_MORE },
    { id: "en-what-if-you", kind: "advice", re: rx("^what if (you|we)\\b") },
    { id: "en-what-about", kind: "advice", re: rx("^(what|how) about (\\p{L}+ing|a|an|you|trying|asking)\\b") },
    { id: "en-maybe", kind: "advice", re: rx("^(maybe|perhaps) (you|it|we) (could|should|can|might|would|need|ought)\\b") },
    { id: "en-you-could", kind: "advice", re: rx("^(you|u) (could|should|might|may want to|ought to|can always|can just)\\b") },
    { id: "en-dont-you-think", kind: "advice", re: rx("^(don't|do not) you think (you|it|that it|we)('d| would| should| could| might|'d be better| need)") },
    { id: "en-isnt-it-time", kind: "advice", re: rx("^(isn't|is) it (not )?(time|better|wiser|easier|an idea)\\b") },
    { id: "en-is-it-an-option", kind: "advice", re: rx("^(is|isn't|would|wouldn't) (it|that|there) (not )?(be )?(an |a )?(option|idea|possibility|way) (to|for you|if)\\b") },
    { id: "en-just", kind: "advice", re: rx("\\b(if|could|can|why|would|should|couldn't|can't) you (not )?just\\b") },
    { id: "en-suggest", kind: "advice", re: rx("^(can|may|could) i (suggest|recommend|give you a tip|offer a suggestion)") },
    // closed questions: an auxiliary first, a tag, or a statement with a question mark
    { id: "en-closed-aux", kind: "closed", re: rx(`^(${AUX_EN}) WORD`) },
    { id: "en-closed-tag", kind: "closed", re: rx(",\\s*(right|isn't it|aren't you|don't you|didn't you|doesn't it|won't you|wasn't it|is it|or not|yes|correct|true|no)\\s*\\?$") },
    { id: "en-closed-statement", kind: "closed", re: rx("^(you|you're|you'd|you've|he|she|they|it|that|the|your|his|her|their|there|we|i|this|these|those)\\b.*\\?$"), unless: WH_EN },
  ],
};

const FILLER = /^(en|maar|dus|oké|oke|ok|okay|oh|ja|nee|nou|goed|of|and|but|so|well|right|hm+|e+h+|uh+m?|um+)\b[,:]?\s+/u;
const SUBCLAUSE =
  /^(als|wanneer|toen|nu|sinds|omdat|hoewel|zodra|nadat|voordat|terwijl|if|when|whenever|after|before|since|because|although|while|once|now that)\b[^,?]*,\s*(.+)$/u;
const CONTRACTIONS = /\b(do|does|did|is|are|was|were|have|has|had|could|would|should|ca|wo|must|might|need)nt\b/gu;

/** The question sentences of a text, normalised; a text without "?" counts as one. */
function sentences(text) {
  const flat = String(text || "")
    .replace(/[’‘`´]/g, "'")
    .replace(/[“”„]/g, '"')
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim()
    .replace(CONTRACTIONS, (_, aux) => `${aux}n't`)
    .replace(/\bcan not\b/g, "cannot")
    .replace(/\bcannot\b/g, "can't");
  const parts = flat.split(/(?<=[.!?…])\s+/u).filter(Boolean);
  const asked = parts.filter((p) => /\?["')\s]*$/u.test(p));
  return (asked.length ? asked : parts.slice(-1)).map(clean);
}

function clean(sentence) {
  let s = sentence.replace(/^[^\p{L}\p{N}]+/u, "");
  for (let i = 0; i < 3 && FILLER.test(s); i++) s = s.replace(FILLER, "");
  return s.replace(/["')\s]+$/u, "");
}

function match(rules, kind, s) {
  for (const rule of rules) if (rule.kind === kind && rule.re.test(s) && !(rule.unless && rule.unless.test(s))) return rule.id;
  return null;
}

/**
 * {kind: "advice"|"closed", rule: id} when the question deserves a prompt, else null.
 * `lang` is the language of the person asking ("nl" or "en").
 */
export function checkQuestion(text, lang = "nl") {
  const own = RULES[lang] ? lang : "nl";
  const other = own === "nl" ? "en" : "nl";
  const found = [];
  for (const s of sentences(text)) {
    const sub = SUBCLAUSE.exec(s);
    const main = sub ? sub[2] : s;
    for (const candidate of sub ? [s, main] : [s]) {
      const rule = match(RULES[own], "advice", candidate) || match(RULES[other], "advice", candidate);
      if (rule) return { kind: "advice", rule };
    }
    found.push(match(RULES[own], "closed", main));
  }
  // closed only when every question in it is closed: one open question is enough
  if (found.length && found.every(Boolean)) return { kind: "closed", rule: found[0] };
  return null;
}
