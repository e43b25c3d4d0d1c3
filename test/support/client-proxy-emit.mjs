// Another service's side of the event bus: emits one event through Nest's ClientProxy on the
// Redis transport, as in the README. Usage: node client-proxy-emit.mjs <valkey-url> <pattern>
// <json-payload>. Nest loads the `ioredis` package (here iovalkey under that name).
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';

const [url, pattern, payload] = process.argv.slice(2);
const { hostname, port } = new URL(url);

const client = ClientProxyFactory.create({
  transport: Transport.REDIS,
  options: { host: hostname, port: Number(port || 6379) },
});
await client.connect();
await lastValueFrom(client.emit(pattern, JSON.parse(payload)), { defaultValue: undefined });
await client.close();
