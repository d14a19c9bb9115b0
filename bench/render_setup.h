// What the in-process modes (render, layout-sweep) render with: the settings
// (--config, --templates, --tmp), the template registry, the fonts and a
// DocumentService as the server builds them, and the calling thread's CPU
// clock. Benchmark code only.
#pragma once

#include <memory>

#include "app/document_service.h"
#include "bench_util.h"
#include "config/settings.h"
#include "form/template_registry.h"

namespace bench {

struct RenderSetup {
    config::Settings settings;
    std::shared_ptr<const form::TemplateRegistry> templates;
    std::unique_ptr<app::DocumentService> documents;
};

// Reads --config (else the embedded defaults), --templates and --tmp (the
// scratch folder of the XLSX writer, /tmp by default). The Status of the
// first thing that cannot be loaded.
common::Result<RenderSetup> makeRenderSetup(const Options& options);

// CPU time of the calling thread in ms. Unlike wall time it leaves out the
// time other processes had the core, so it stays meaningful on a busy machine.
double threadCpuMs();

}  // namespace bench
