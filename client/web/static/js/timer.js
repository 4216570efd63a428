// The shared phase timer: the server keeps one deadline; each laptop counts down to it
// with its own clock corrected by the offset measured at the welcome.

/** Seconds left (negative: overrun) for timer {running, deadline, remaining}. */
export function secondsLeft(timer, serverNowMs) {
  if (!timer) return null;
  if (timer.running && typeof timer.deadline === "number") return timer.deadline - serverNowMs / 1000;
  return typeof timer.remaining === "number" ? timer.remaining : null;
}

/** "12:05", or "+1:30" once the time is up. */
export function clock(seconds) {
  if (seconds === null) return "–:––";
  const over = seconds < 0;
  const whole = over ? Math.floor(-seconds) : Math.ceil(seconds);
  const m = Math.floor(whole / 60);
  const s = String(whole % 60).padStart(2, "0");
  return `${over ? "+" : ""}${m}:${s}`;
}
