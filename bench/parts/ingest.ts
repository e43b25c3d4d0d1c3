import { BenchPart } from '../part';
import { describeLoad, load, loadFigures } from '../support/load';
import { alternate, BARE_REFERENCE, startServicePair } from '../support/service-pair';

const SECONDS = 10;
const CONNECTIONS = 64;
const WARM_UP_SECONDS = 3;

/** POST /api/v1/message under load: the service against the bare reference. */
export const ingestPart: BenchPart = {
  name: 'ingest',
  method:
    `POST /api/v1/message, autocannon ${CONNECTIONS} connections, ${SECONDS} s per run; ` +
    'the reference stores and announces each message with the same Valkey commands',

  async run(context) {
    const pair = await startServicePair(context);
    try {
      const urls = { service: pair.serviceUrl, bare: pair.bareUrl };
      const post = (side: 'service' | 'bare', seconds: number) =>
        load({
          url: `${urls[side]}/api/v1/message`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            room: `bench-ingest-${side}`,
            user: 'user-00042',
            text: 'is there a way to keep the journal smaller? it fills /var/log within a week',
          }),
          connections: CONNECTIONS,
          seconds,
        });

      context.log(`ingest: warming up both sides for ${WARM_UP_SECONDS} s`);
      await post('service', WARM_UP_SECONDS);
      await post('bare', WARM_UP_SECONDS);

      const results = await alternate(context.runs, async (side) => {
        const result = await post(side, SECONDS);
        context.log(`ingest ${side}: ${describeLoad(result)}`);
        return result;
      });
      return loadFigures('ingest', { name: 'messages/s', unit: 'msg/s' }, results, BARE_REFERENCE);
    } finally {
      await pair.stop();
    }
  },
};
