// KVM when it can run a standard guest, else TCG. The hosts of this project
// expose /dev/kvm backed by PVM (kvm_pvm), which hangs standard kernels: treat
// that as "no usable KVM".
import * as fs from 'node:fs';

export type Accel = 'kvm' | 'tcg';

export interface AccelChoice {
  accel: Accel;
  reason: string;
}

export function chooseAccel(env: NodeJS.ProcessEnv = process.env): AccelChoice {
  const forced = env.LTTLE_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, reason: `LTTLE_ACCEL=${forced}` };
  if (!fs.existsSync('/dev/kvm')) return { accel: 'tcg', reason: 'no /dev/kvm' };
  if (fs.existsSync('/sys/module/kvm_pvm')) return { accel: 'tcg', reason: 'KVM is PVM (kvm_pvm), which cannot run a standard guest kernel' };
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  if (!/^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo)) return { accel: 'tcg', reason: 'the CPU has no vmx/svm' };
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    return { accel: 'tcg', reason: '/dev/kvm is not accessible' };
  }
  return { accel: 'kvm', reason: 'hardware virtualisation available' };
}
