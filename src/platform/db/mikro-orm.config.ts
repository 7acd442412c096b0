// Entry point for the MikroORM CLI only (`npm run migration:create`); the app uses ormOptions().
import { loadConfig } from '../config';
import { ormOptions } from './orm-options';

export default ormOptions(loadConfig().DATABASE_URL);
