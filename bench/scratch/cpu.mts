import { measurePostCpu } from '/work/main/bench/post-cpu.ts';
console.log(await measurePostCpu());
