import { createRouter, createWebHistory } from "vue-router";
import CitizenLayout from "./citizen/CitizenLayout.vue";
import Districts from "./citizen/Districts.vue";
import Follow from "./citizen/Follow.vue";
import Report from "./citizen/Report.vue";
import CasePage from "./views/CasePage.vue";
import Home from "./views/Home.vue";
import Inbox from "./views/Inbox.vue";
import Register from "./views/Register.vue";
import SlaBoard from "./views/SlaBoard.vue";

// Screens with charts load on first visit: the clerk's first screen does not carry ECharts.
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/", component: Home },
    { path: "/register", component: Register },
    { path: "/cases/:id", component: CasePage, props: true },
    { path: "/inbox", component: Inbox },
    { path: "/queues", component: () => import("./views/Queues.vue") },
    { path: "/board", component: SlaBoard },
    { path: "/statistics", component: () => import("./views/Statistics.vue") },
    { path: "/library", component: () => import("./views/Library.vue") },
    { path: "/accounts", component: () => import("./views/Accounts.vue") },
    { path: "/district-pack", component: () => import("./views/DistrictPack.vue") },
    // The citizens' pages (no sign-in, their own frame); /kiosk is the same pages as a hall's terminal.
    { path: "/m", component: CitizenLayout, meta: { citizen: true }, children: [
      { path: "", component: Districts },
      { path: "report/:district", component: Report, props: true },
      { path: "follow", component: Follow },
    ] },
    { path: "/kiosk", component: CitizenLayout, meta: { citizen: true, kiosk: true }, children: [
      { path: "", component: Districts },
    ] },
  ],
});
