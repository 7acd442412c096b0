export enum PartnerRole {
  School = 'school',
  ChildrensHome = 'childrens_home',
  /** Børne- og ungerådgiver tools. */
  Caseworker = 'caseworker',
  Evaluator = 'evaluator',
  Admin = 'admin',
}
