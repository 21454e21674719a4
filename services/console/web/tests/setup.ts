import { mount, type ComponentMountingOptions } from "@vue/test-utils";
import ElementPlus from "element-plus";
import type { Component } from "vue";
import { i18n } from "../src/i18n";

// A component mounted as the app mounts it: Element Plus and the zh-CN messages.
export function mountInApp<C extends Component>(component: C, options: ComponentMountingOptions<C> = {}) {
  return mount(component, { ...options, global: { plugins: [ElementPlus, i18n], ...(options.global ?? {}) } });
}
