// The crash test's writer: a child process running the MHFS library on an image file, taking
// Workload steps forever and printing "synced N" after each sync returns. The test kills it
// with SIGKILL at a random moment. Usage: node crashwriter.js IMAGE SEED
import { writeSync } from 'node:fs';
import { FileBlockDevice } from './blockdev.js';
import { Mhfs } from './mhfs.js';
import { Workload } from './workload.js';

const [image, seedText] = process.argv.slice(2);
const dev = new FileBlockDevice(image!);
const fs = Mhfs.mount(dev);
const w = new Workload(Number(seedText));
writeSync(1, 'ready\n');
for (;;) if (w.step(fs)) writeSync(1, `synced ${w.syncs}\n`);
