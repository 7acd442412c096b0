// Invented, Danish-sounding names for synthetic people and places. First names and
// surnames are common ones (so no one person is pointed at); the places are made up.

export const GIRL_NAMES = [
  'Freja', 'Ida', 'Clara', 'Alma', 'Ella', 'Sofia', 'Agnes', 'Karla', 'Emma', 'Laura', 'Olivia', 'Asta',
  'Josefine', 'Alberte', 'Nora', 'Maja', 'Frida', 'Anna', 'Mathilde', 'Lærke', 'Sofie', 'Liva', 'Ellen', 'Signe',
  'Vigga', 'Esther', 'Johanne', 'Luna', 'Molly', 'Silje', 'Emilie', 'Thea', 'Cecilie', 'Naja', 'Isabella', 'Astrid',
];

export const BOY_NAMES = [
  'William', 'Noah', 'Oscar', 'Lucas', 'Carl', 'Victor', 'Malthe', 'Alfred', 'Emil', 'Aksel', 'Valdemar', 'Magnus',
  'Frederik', 'Elias', 'Johan', 'Anton', 'Mikkel', 'Storm', 'Villads', 'Theo', 'August', 'Bertram', 'Sebastian', 'Mads',
  'Oliver', 'Arthur', 'Lauge', 'Otto', 'Marius', 'Tobias', 'Kasper', 'Jonas', 'Rasmus', 'Benjamin', 'Asger', 'Hjalte',
];

/** Parents, caseworkers, teachers, foster parents: born 1960s–1990s. */
export const WOMEN_NAMES = [
  'Mette', 'Hanne', 'Susanne', 'Camilla', 'Louise', 'Pernille', 'Rikke', 'Tina', 'Dorthe', 'Lone', 'Maria', 'Line',
  'Stine', 'Charlotte', 'Helle', 'Trine', 'Anne', 'Maja', 'Sanne', 'Heidi', 'Nanna', 'Julie', 'Marianne', 'Bettina',
];
export const MEN_NAMES = [
  'Jesper', 'Lars', 'Henrik', 'Thomas', 'Martin', 'Jens', 'Kim', 'Michael', 'Bo', 'Kasper', 'Morten', 'Rasmus',
  'Christian', 'Anders', 'Søren', 'Peter', 'Brian', 'Jakob', 'Nikolaj', 'Claus', 'Ulrik', 'Dennis', 'Kenneth', 'Allan',
];

export const SURNAMES = [
  'Nielsen', 'Jensen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Sørensen', 'Rasmussen',
  'Jørgensen', 'Petersen', 'Madsen', 'Kristensen', 'Olsen', 'Thomsen', 'Christiansen', 'Poulsen', 'Johansen',
  'Møller', 'Mortensen', 'Knudsen', 'Jakobsen', 'Mikkelsen', 'Frederiksen', 'Lund', 'Holm', 'Schmidt', 'Eriksen',
  'Kjær', 'Bech', 'Dam', 'Winther', 'Lauridsen', 'Østergaard', 'Bruun', 'Skov', 'Friis', 'Vestergaard',
  // Double surnames, hyphenated or not, are common in Denmark.
  'Holm-Larsen', 'Dahl-Hansen', 'Bak Jensen', 'Lund Kjær', 'Skov-Petersen', 'Ravn Nielsen', 'Krogh-Madsen', 'Juhl Sørensen',
];

/** Combined as prefix + suffix: "Eng" + "skolen", "Nørrevang" + "skolen", "Lyng" + "bakkeskolen". */
export const SCHOOL_PREFIXES = [
  'Eng', 'Nørrevang', 'Søndervang', 'Vester', 'Øster', 'Skov', 'Bakke', 'Strand', 'Lind', 'Mølle', 'Fjord', 'Kilde',
  'Lyng', 'Hvede', 'Mose', 'Rønne', 'Tjørne', 'Kløver', 'Pile', 'Bøge', 'Hassel', 'Solbær', 'Trane', 'Ege',
];
export const SCHOOL_SUFFIXES = ['skolen', 'bakkeskolen', 'højskolen', 'lundskolen', 'gårdsskolen', 'toftskolen'];

/** Børne- og ungehjem / døgninstitutioner. */
export const CHILDRENS_HOMES = [
  'Børnehjemmet Solgården', 'Børne- og ungehjemmet Lærkereden', 'Døgninstitutionen Kastanjehuset',
  'Børnehjemmet Tranebo', 'Ungehjemmet Fyrreparken', 'Døgninstitutionen Skovsprutten', 'Børnehjemmet Kildeholm',
];

/** Opholdssteder. */
export const OPHOLDSSTEDER = [
  'Opholdsstedet Egely', 'Opholdsstedet Havtornen', 'Opholdsstedet Bakkely', 'Opholdsstedet Mosehuset',
  'Opholdsstedet Rugmarken', 'Opholdsstedet Spurvereden', 'Opholdsstedet Lyngtoften',
];

/** Kost- og efterskoler. */
export const BOARDING_SCHOOLS = [
  'Lyngbakke Efterskole', 'Kostskolen ved Sortesø', 'Fjordlyst Efterskole', 'Hedegårdens Efterskole', 'Kostskolen Stenhøj',
];

/** Eget værelse: a bedsit, usually with a support person (støttekontaktperson). */
export const OWN_ROOM_PLACES = ['Eget værelse med støttekontaktperson', 'Eget værelse i bofællesskab', 'Udslusningsbolig med kontaktperson'];

export const PARTIAL_DAY_NOTES = [
  'Kom for sent', 'Kom for sent', 'Gik tidligt', 'Gik tidligt (tandlæge)', 'Hentet tidligt af plejeforælder',
  'Kom efter 2. lektion', 'Deltog kun i første del af dagen',
];

/** Lowercase ASCII for e-mail addresses and ids: "Østergaard" → "oestergaard". */
export function asciiFold(text: string): string {
  return text
    .toLowerCase()
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'oe')
    .replace(/å/g, 'aa')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '') // accents: é → e
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
