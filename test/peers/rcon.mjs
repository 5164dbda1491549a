// Authenticates with rcon-srcds and runs one command, printing its output.
// Exit 2 means authentication was refused. Usage: node rcon.mjs HOST PORT PASSWORD COMMAND
import pkg from 'rcon-srcds';

const Rcon = pkg.default ?? pkg;
const [host, port, password, command] = process.argv.slice(2);
const server = new Rcon({ host, port: Number(port), timeout: 5000 });
try {
  await server.authenticate(password);
} catch (e) {
  console.error('rcon-srcds auth:', e.message ?? e);
  process.exit(2);
}
try {
  const out = await server.execute(command);
  process.stdout.write(out);
  await server.disconnect();
} catch (e) {
  console.error('rcon-srcds execute:', e.message ?? e);
  process.exit(1);
}
