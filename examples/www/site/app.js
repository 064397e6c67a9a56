// The sample site's script: fetch /stats (the appliance's dynamic route)
// and show it; mark the footer so a test can see that scripts ran.
"use strict";

async function loadStats() {
  const out = document.getElementById("stats");
  try {
    const r = await fetch("stats", { cache: "no-store" });
    const s = await r.json();
    out.textContent = JSON.stringify(
      {
        requests: s.requests,
        connections_accepted: s.connections_accepted,
        bytes_out: s.bytes_out,
        responses_2xx: s.responses_2xx,
        gzip: s.gzip,
      },
      null,
      1
    );
  } catch (e) {
    out.textContent = "could not load /stats: " + e;
  }
}

document.getElementById("refresh").addEventListener("click", loadStats);
document.getElementById("status").textContent = "scripts ran";
loadStats();
