#include "render_setup.h"

#include <time.h>

#include "render/font_metrics.h"

namespace bench {

common::Result<RenderSetup> makeRenderSetup(const Options& options) {
    RenderSetup setup;
    if (options.has("config")) {
        auto loaded = config::loadSettings(options.get("config"));
        if (!loaded) return loaded.status();
        setup.settings = loaded.value();
    }
    if (options.has("templates")) setup.settings.templatesDir = options.get("templates");
    auto templates = form::TemplateRegistry::load(setup.settings.templatesDir);
    if (!templates) return templates.status();
    setup.templates = templates.value();
    auto fonts = render::FontMetrics::open(setup.settings.primaryFont, setup.settings.fallbackFont);
    if (!fonts) return fonts.status();
    render::XlsxOptions xlsx;
    xlsx.fontName = setup.settings.xlsxFont;
    // libxlsxwriter writes every part to a scratch file first; the server
    // puts them under data.dir, here they go to /tmp unless told otherwise.
    xlsx.tempDir = options.get("tmp", "/tmp");
    setup.documents = std::make_unique<app::DocumentService>(
        setup.templates, fonts.value(), xlsx,
        app::RenderLimits{setup.settings.renderWorkers, setup.settings.renderQueue});
    return setup;
}

double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

}  // namespace bench
