// Queries one server with gamedig (type l4d2, the Left 4 Dead 2 id of
// gamedig 5) and prints the result as one JSON line for the Go tests.
// Usage: node gamedig.mjs HOST PORT
import { GameDig } from 'gamedig';

const [host, port] = process.argv.slice(2);
try {
  const state = await GameDig.query({
    type: 'l4d2', host, port: Number(port), maxRetries: 1, socketTimeout: 2000, attemptTimeout: 5000,
    requestRules: true,
  });
  console.log(JSON.stringify({
    name: state.name, map: state.map, numplayers: state.numplayers, maxplayers: state.maxplayers,
    password: state.password, players: state.players.map((p) => p.name), appId: state.raw.appId,
    folder: state.raw.folder, rules: state.raw.rules,
  }));
} catch (e) {
  console.error('gamedig:', e.message ?? e);
  process.exit(1);
}
