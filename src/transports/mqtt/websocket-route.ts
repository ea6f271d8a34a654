// MQTT over WebSocket at /mqtt on the hub's HTTP server, for browsers and networks that pass
// only HTTP. The WebSocket becomes a byte stream handed to the same broker as TCP devices.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createWebSocketStream } from 'ws';
import type { MqttBroker } from './broker.js';

export interface MqttWebSocketDeps {
  broker: Pick<MqttBroker, 'handle'>;
}

export const mqttWebSocketRoute: FastifyPluginAsyncTypebox<MqttWebSocketDeps> = async (app, deps) => {
  app.get('/mqtt', { websocket: true, schema: { summary: 'MQTT over WebSocket (subprotocol "mqtt")', hide: true } }, (socket, request) => {
    const stream = createWebSocketStream(socket);
    stream.on('error', () => {}); // a dropped WebSocket is reported by the broker as a client error
    deps.broker.handle(stream, request.raw);
  });
};
