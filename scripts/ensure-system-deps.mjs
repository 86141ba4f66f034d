#!/usr/bin/env node
// Installs the Debian packages ctiscope's tests and live features use, when they are missing:
// tcpdump (live capture backend), slapd (OpenLDAP: the lab's directory server), tshark (runs the generated
// GED-188 Lua dissector in test/wireshark/ and reads back evidence captures), and chromium (browser tests of the UI)
// when CTISCOPE_BROWSER_TESTS is not 0. Further packages named on the command line (a program of the same name)
// are installed too: `node scripts/ensure-system-deps.mjs valgrind` is how bench/instructions.mjs gets its counter.
// Runs only as root with apt-get available (CI, fresh machines); otherwise it says what is missing and the
// tests that need it skip with that reason. Never downloads anything but Debian packages.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const want = [{ bin: 'tcpdump', pkg: 'tcpdump' }, { bin: 'slapd', pkg: 'slapd' }, { bin: 'tshark', pkg: 'tshark' }];
for (const extra of process.argv.slice(2)) want.push({ bin: extra, pkg: extra });
if (process.env.CTISCOPE_BROWSER_TESTS !== '0' && existsSync(new URL('../ui', import.meta.url))) {
  want.push({ bin: 'chromium', pkg: 'chromium' });
}

// slapd lives in /usr/sbin, which is not on every PATH.
const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`], { stdio: 'ignore' }).status === 0;
const missing = want.filter((w) => !has(w.bin));
if (missing.length === 0) process.exit(0);

const names = missing.map((m) => m.pkg).join(' ');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !has('apt-get')) {
  console.error(`ctiscope: optional system packages missing: ${names} (tests that need them will skip). Install with: sudo apt-get install -y ${names}`);
  process.exit(0);
}
console.error(`ctiscope: installing Debian packages: ${names}`);
try {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // wireshark-common asks whether non-root users may capture; answer "no" so the install never prompts.
  if (missing.some((m) => m.pkg === 'tshark') && has('debconf-set-selections')) {
    execFileSync('debconf-set-selections', [], { input: 'wireshark-common wireshark-common/install-setuid boolean false\n', stdio: ['pipe', 'ignore', 'inherit'] });
  }
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing.map((m) => m.pkg)], { stdio: ['ignore', 'ignore', 'inherit'], env });
} catch (e) {
  console.error(`ctiscope: could not install ${names}: ${e.message}; tests that need them will skip`);
}
