import { Migration } from '@mikro-orm/migrations';

const ROLE = 'skolebro_api_reader';
/** Identity-matching tables: admin work on the root pool only, never part of a partner's read. */
const MATCHING_TABLES = ['pupil_record', 'identity_rejection'];

export class Migration20261123230000 extends Migration {
  override async up(): Promise<void> {
    // The reader role gets select on new tables by default privileges; these hold school
    // pupils' identity fields (some not hub children yet) and have no tenant policy to filter by.
    for (const table of MATCHING_TABLES) this.addSql(`revoke select on "${table}" from ${ROLE};`);
  }

  override async down(): Promise<void> {
    for (const table of MATCHING_TABLES) this.addSql(`grant select on "${table}" to ${ROLE};`);
  }
}
