import journal from './meta/_journal.json';
import m0000 from './0000_orders.sql';
import m0001 from './0001_idempotency_keys.sql';
import m0002 from './0002_outbox.sql';
import m0003 from './0003_outbox_holds_unsent.sql';
import m0004 from './0004_erased.sql';
import m0005 from './0005_outbox_keeps_sent.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001,
m0002,
m0003,
m0004,
m0005
    }
  }
  