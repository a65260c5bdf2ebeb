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

/**
 * Kernel parameters that keep the guest's clock working under TCG. A TCG guest
 * reads the host's TSC, but on a busy host the kernel's calibration against the
 * emulated PIT fails, the TSC is declared unstable and the guest clock never
 * starts. Telling the kernel the (host) TSC frequency avoids the calibration.
 */
export function guestClockParams(accel: Accel): string[] {
  if (accel === 'kvm') return [];
  const khz = hostTscKhz();
  return khz ? [`tsc_early_khz=${khz}`, 'tsc=reliable', 'no_timer_check'] : ['no_timer_check'];
}

let cachedKhz: number | undefined | null = null;

function hostTscKhz(): number | undefined {
  if (cachedKhz !== null) return cachedKhz;
  const read = (file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const sysfs = Number(read('/sys/devices/system/cpu/cpu0/tsc_freq_khz').trim());
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(read('/proc/cpuinfo'))?.[1]);
  cachedKhz = sysfs > 0 ? sysfs : mhz > 0 ? Math.round(mhz * 1000) : undefined;
  return cachedKhz;
}
