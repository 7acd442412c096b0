// Invented, Danish-looking names for synthetic people and places. Any likeness is chance.

export const GIRL_NAMES = [
  'Freja', 'Ida', 'Clara', 'Alma', 'Ella', 'Sofia', 'Agnes', 'Karla', 'Emma', 'Laura', 'Olivia', 'Asta',
  'Josefine', 'Alberte', 'Nora', 'Maja', 'Frida', 'Anna', 'Mathilde', 'Lærke', 'Sofie', 'Liva', 'Ellen', 'Signe',
];
export const BOY_NAMES = [
  'William', 'Noah', 'Oscar', 'Lucas', 'Carl', 'Victor', 'Malthe', 'Alfred', 'Emil', 'Aksel', 'Valdemar', 'Magnus',
  'Frederik', 'Elias', 'Johan', 'Anton', 'Mikkel', 'Storm', 'Villads', 'Theo', 'August', 'Bertram', 'Søren', 'Åge',
];
export const ADULT_NAMES = [
  'Mette', 'Hanne', 'Susanne', 'Camilla', 'Louise', 'Pernille', 'Rikke', 'Tina', 'Jesper', 'Lars', 'Henrik',
  'Thomas', 'Martin', 'Jens', 'Kim', 'Michael', 'Bo', 'Dorthe', 'Lone', 'Kasper',
];
export const SURNAMES = [
  'Nielsen', 'Jensen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Sørensen', 'Rasmussen',
  'Jørgensen', 'Petersen', 'Madsen', 'Kristensen', 'Olsen', 'Thomsen', 'Christiansen', 'Poulsen', 'Johansen',
  'Møller', 'Mortensen', 'Holm-Larsen', 'Bak Jensen', 'Østergaard', 'Dahl-Hansen', 'Lund Kjær', 'Brøndum',
];

const SCHOOL_PREFIX = ['Nørre', 'Søndre', 'Vester', 'Øster', 'Eng', 'Skov', 'Bakke', 'Strand', 'Å', 'Lind', 'Mølle', 'Fjord'];
const SCHOOL_SUFFIX = ['skolen', 'vangskolen', 'højskolen', 'bakkeskolen', 'holmskolen', 'gårdskolen'];
export const schoolName = (i: number) => `${SCHOOL_PREFIX[i % SCHOOL_PREFIX.length]}${SCHOOL_SUFFIX[Math.floor(i / SCHOOL_PREFIX.length) % SCHOOL_SUFFIX.length]}`;

export const CHILDRENS_HOMES = ['Børnehjemmet Solgården', 'Døgninstitutionen Lindely', 'Børne- og ungehjemmet Egebakken', 'Ungehuset Strandvejen'];
export const OPHOLDSSTEDER = ['Opholdsstedet Egely', 'Opholdsstedet Kragereden', 'Opholdsstedet Havblik', 'Opholdsstedet Mosegården'];
export const BOARDING_SCHOOLS = ['Efterskolen ved Fjorden', 'Kostskolen Bøgely', 'Efterskolen Højlund'];
export const FOSTER_PLACES = ['Plejefamilie', 'Netværksplejefamilie'];

export const INTERVENTION_PROVIDERS = ['PPR', 'Skolens ressourcecenter', 'Lektiecafé Trappen', 'Mentorkorps', 'Læringsforløbet Fremad'];
