import { createRouter, createWebHistory } from "vue-router";
import CasePage from "./views/CasePage.vue";
import Home from "./views/Home.vue";
import Inbox from "./views/Inbox.vue";
import Register from "./views/Register.vue";

// Screens with charts load on first visit: the clerk's first screen does not carry ECharts.
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/", component: Home },
    { path: "/register", component: Register },
    { path: "/cases/:id", component: CasePage, props: true },
    { path: "/inbox", component: Inbox },
    { path: "/statistics", component: () => import("./views/Statistics.vue") },
    { path: "/library", component: () => import("./views/Library.vue") },
    { path: "/accounts", component: () => import("./views/Accounts.vue") },
  ],
});
