{#- One row per fiscal year x kelurahan, plus one row per year for the city (64.72) that holds the
    city-wide spending (seluruh kota: offices, city services, DPA lines without a location):
    population, need indicators, spending per capita in total and by fungsi, social-assistance
    coverage, and a need-versus-spend gap rank.

    Need: for each need indicator (ref_indikator.indikator_kebutuhan, kelurahan source) a z-score
    across kelurahan that year, signed so that higher means more need; indeks_kebutuhan is their
    mean. Service: the percentile rank of located spending per capita and of beneficiary coverage;
    indeks_layanan is their mean (0 = least served). A measure that is 0 is not ranked: every
    kelurahan also uses the city-wide services (belanja_seluruh_kota_per_kapita_rp, the same for
    all), so kelurahan tied at Rp0 of located spending are not "the least served" by a tie -
    they are judged on the other measure, or not at all (dasar_penilaian_layanan says which).
    kesenjangan = need percentile - indeks_layanan; kurang_terlayani when need is in the top 40 %
    and indeks_layanan <= 0.25 (macro ambang).
    Coverage (cakupan_bansos_persen) counts the people on the Dinas Sosial lists against the poor
    population; the lists cover only some bansos programs, so kelengkapan_daftar_bansos_persen
    compares the aid on the lists with the SP2D bansos paid for the same sub kegiatan and year
    (int_bansos_daftar_compared_to_sp2d).
    belanja_rp summed over all rows of a year equals the SP2D total of that year to the rupiah. -#}
{{ config(materialized='irisan_pemda') }}
with

tahun_anggaran as (

    select distinct
        kode_pemda,
        tahun
    from {{ ref('int_belanja_split_to_wilayah') }}

),

wilayah as (

    select
        kode_pemda,
        kode_wilayah,
        level as tingkat_wilayah,
        nama as nama_wilayah,
        kode_kecamatan,
        nama_kecamatan
    from {{ ref('int_wilayah_typed') }}
    where level in ('kelurahan', 'kota', 'kabupaten')

),

baris as (

    select
        tahun_anggaran.kode_pemda,
        tahun_anggaran.tahun,
        wilayah.kode_wilayah,
        wilayah.tingkat_wilayah,
        wilayah.nama_wilayah,
        wilayah.kode_kecamatan,
        wilayah.nama_kecamatan
    from tahun_anggaran
    inner join wilayah
        on tahun_anggaran.kode_pemda = wilayah.kode_pemda

),

indikator as (

    select
        cast(kode_indikator as varchar) as kode_indikator,
        cast(arah as varchar) as arah,
        cast(sumber_acuan_kelurahan as varchar) as sumber,
        cast(indikator_kebutuhan as boolean) as indikator_kebutuhan
    from {{ ref('ref_indikator') }}

),

outcome as (

    select
        outcome.kode_pemda,
        outcome.tahun,
        outcome.kode_wilayah,
        outcome.kode_indikator,
        indikator.arah,
        indikator.indikator_kebutuhan,
        outcome.nilai,
        outcome.sumber_sha256
    from {{ ref('int_outcome_wilayah_compared_to_tahun_lalu') }} as outcome
    inner join indikator
        on
            outcome.kode_indikator = indikator.kode_indikator
            and outcome.sumber = indikator.sumber

),

kebutuhan_z as (

    select
        outcome.kode_pemda,
        outcome.tahun,
        outcome.kode_wilayah,
        (cast(outcome.nilai as double) - avg(cast(outcome.nilai as double)) over per_indikator)
        / nullif(stddev_samp(cast(outcome.nilai as double)) over per_indikator, 0)
        * case when outcome.arah = 'naik' then -1 else 1 end as z
    from outcome
    inner join wilayah
        on
            outcome.kode_pemda = wilayah.kode_pemda
            and outcome.kode_wilayah = wilayah.kode_wilayah
    where outcome.indikator_kebutuhan and wilayah.tingkat_wilayah = 'kelurahan'
    window per_indikator as (partition by outcome.kode_pemda, outcome.tahun, outcome.kode_indikator)

),

kebutuhan as (

    select
        kode_pemda,
        tahun,
        kode_wilayah,
        count(z) as jumlah_indikator_kebutuhan,
        avg(z) as indeks_kebutuhan
    from kebutuhan_z
    group by kode_pemda, tahun, kode_wilayah

),

nilai_outcome as (

    select
        kode_pemda,
        tahun,
        kode_wilayah,
        max(nilai) filter (where kode_indikator = 'jumlah_penduduk') as jumlah_penduduk,
        max(nilai) filter (where kode_indikator = 'persentase_penduduk_miskin')
            as persentase_penduduk_miskin,
        max(nilai) filter (where kode_indikator = 'prevalensi_stunting') as prevalensi_stunting,
        max(nilai) filter (where kode_indikator = 'angka_partisipasi_sekolah')
            as angka_partisipasi_sekolah,
        max(nilai) filter (where kode_indikator = 'akses_fasilitas_kesehatan')
            as akses_fasilitas_kesehatan,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from outcome
    group by kode_pemda, tahun, kode_wilayah

),

belanja as (

    select
        kode_pemda,
        tahun,
        kode_wilayah,
        cast(sum(realisasi_rp) as decimal(18, 2)) as belanja_rp,
        {% for kode, nama in [
            ('01', 'pelayanan_umum'), ('02', 'ketertiban'), ('03', 'ekonomi'),
            ('04', 'lingkungan_hidup'), ('05', 'perumahan_fasilitas_umum'), ('06', 'kesehatan'),
            ('07', 'pariwisata'), ('08', 'pendidikan'), ('09', 'perlindungan_sosial')
        ] -%}
            cast(
                coalesce(sum(realisasi_rp) filter (where kode_fungsi = '{{ kode }}'), 0)
                as decimal(18, 2)
            ) as belanja_{{ nama }}_rp,
        {% endfor -%}
        count(*) as jumlah_sub_kegiatan
    from {{ ref('int_belanja_split_to_wilayah') }}
    group by kode_pemda, tahun, kode_wilayah

),

bansos as (

    select * from {{ ref('int_penerima_bansos_aggregated_to_kelurahan') }}

),

bansos_kota as (

    select
        kode_pemda,
        tahun,
        cast(sum(nilai_bantuan_daftar_rp) as decimal(18, 2)) as nilai_bantuan_daftar_rp,
        cast(sum(bansos_dibayar_rp) as decimal(18, 2)) as bansos_dibayar_rp,
        cast(sum(bansos_dibayar_rp) filter (where ada_daftar) as decimal(18, 2))
            as bansos_dibayar_program_berdaftar_rp
    from {{ ref('int_bansos_daftar_compared_to_sp2d') }}
    group by kode_pemda, tahun

),

digabung as (

    select
        baris.*,
        cast(nilai_outcome.jumlah_penduduk as bigint) as jumlah_penduduk,
        nilai_outcome.persentase_penduduk_miskin,
        nilai_outcome.prevalensi_stunting,
        nilai_outcome.angka_partisipasi_sekolah,
        nilai_outcome.akses_fasilitas_kesehatan,
        nilai_outcome.sumber_sha256,
        coalesce(kebutuhan.jumlah_indikator_kebutuhan, 0) as jumlah_indikator_kebutuhan,
        kebutuhan.indeks_kebutuhan,
        coalesce(belanja.belanja_rp, 0) as belanja_rp,
        {% for nama in [
            'pelayanan_umum', 'ketertiban', 'ekonomi', 'lingkungan_hidup',
            'perumahan_fasilitas_umum', 'kesehatan', 'pariwisata', 'pendidikan',
            'perlindungan_sosial'
        ] -%}
            coalesce(belanja.belanja_{{ nama }}_rp, 0) as belanja_{{ nama }}_rp,
        {% endfor -%}
        -- small cells suppressed upstream (lindungi_sel_kecil): null stays null, never 0
        case
            when not coalesce(bansos.is_disembunyikan, false)
                then coalesce(bansos.jumlah_penerima, 0)
        end as jumlah_penerima_bansos,
        case
            when not coalesce(bansos.is_disembunyikan, false)
                then coalesce(bansos.nilai_bantuan_rp, 0)
        end as nilai_bansos_rp,
        bansos.alasan_disembunyikan as alasan_bansos_disembunyikan,
        bansos_kota.bansos_dibayar_rp,
        bansos_kota.bansos_dibayar_program_berdaftar_rp,
        bansos_kota.nilai_bantuan_daftar_rp as nilai_bansos_daftar_kota_rp
    from baris
    left join nilai_outcome
        on
            baris.kode_pemda = nilai_outcome.kode_pemda
            and baris.tahun = nilai_outcome.tahun
            and baris.kode_wilayah = nilai_outcome.kode_wilayah
    left join kebutuhan
        on
            baris.kode_pemda = kebutuhan.kode_pemda
            and baris.tahun = kebutuhan.tahun
            and baris.kode_wilayah = kebutuhan.kode_wilayah
    left join belanja
        on
            baris.kode_pemda = belanja.kode_pemda
            and baris.tahun = belanja.tahun
            and baris.kode_wilayah = belanja.kode_wilayah
    left join bansos
        on
            baris.kode_pemda = bansos.kode_pemda
            and baris.tahun = bansos.tahun
            and baris.kode_wilayah = bansos.kode_kelurahan
    left join bansos_kota
        on
            baris.kode_pemda = bansos_kota.kode_pemda
            and baris.tahun = bansos_kota.tahun

),

-- the city-wide share per resident: every kelurahan uses city services
seluruh_kota as (

    select
        kode_pemda,
        tahun,
        max(belanja_rp) filter (where tingkat_wilayah in ('kota', 'kabupaten'))
            as belanja_seluruh_kota_rp,
        sum(jumlah_penduduk) filter (where tingkat_wilayah = 'kelurahan') as penduduk_kota
    from digabung
    group by kode_pemda, tahun

),

per_kapita as (

    select
        digabung.*,
        {{ jenis_pemda('digabung.kode_pemda') }} as jenis_pemda,
        case
            when digabung.jumlah_penduduk > 0
                then cast(
                        round(digabung.belanja_rp / digabung.jumlah_penduduk, 2) as decimal(18, 2)
                    )
        end as belanja_per_kapita_rp,
        case
            when digabung.persentase_penduduk_miskin * digabung.jumlah_penduduk > 0
                then cast(
                        round(
                            digabung.jumlah_penerima_bansos * 10000.0
                            / (digabung.persentase_penduduk_miskin * digabung.jumlah_penduduk),
                            2
                        ) as decimal(9, 2)
                    )
        end as cakupan_bansos_persen,
        case
            when seluruh_kota.penduduk_kota > 0
                then cast(
                        round(seluruh_kota.belanja_seluruh_kota_rp / seluruh_kota.penduduk_kota, 2)
                        as decimal(18, 2)
                    )
        end as belanja_seluruh_kota_per_kapita_rp,
        {{ persen_half_up(
            'digabung.nilai_bansos_daftar_kota_rp',
            'digabung.bansos_dibayar_program_berdaftar_rp'
        ) }} as kelengkapan_daftar_bansos_persen
    from digabung
    left join seluruh_kota
        on
            digabung.kode_pemda = seluruh_kota.kode_pemda
            and digabung.tahun = seluruh_kota.tahun

),

peringkat as (

    select
        kode_pemda,
        tahun,
        kode_wilayah,
        count(*) over per_tahun as jumlah_kelurahan,
        rank() over (partition by kode_pemda, tahun order by indeks_kebutuhan desc nulls last)
            as peringkat_kebutuhan,
        rank() over (partition by kode_pemda, tahun order by belanja_per_kapita_rp desc nulls last)
            as peringkat_belanja_per_kapita,
        count(*) filter (where belanja_rp = 0) over per_tahun as jumlah_kelurahan_belanja_nol,
        -- percentiles among kelurahan with a value; a missing value is left out of the mean, and
        -- so is a 0: kelurahan tied at zero are not ranked against each other
        case
            when indeks_kebutuhan is not null
                then percent_rank() over (
                        partition by kode_pemda, tahun, indeks_kebutuhan is null
                        order by indeks_kebutuhan
                    )
        end as persentil_kebutuhan,
        case
            when belanja_per_kapita_rp > 0
                then percent_rank() over (
                        partition by kode_pemda, tahun, coalesce(belanja_per_kapita_rp > 0, false)
                        order by belanja_per_kapita_rp
                    )
        end as persentil_belanja,
        case
            when cakupan_bansos_persen > 0
                then percent_rank() over (
                        partition by kode_pemda, tahun, coalesce(cakupan_bansos_persen > 0, false)
                        order by cakupan_bansos_persen
                    )
        end as persentil_cakupan
    from per_kapita
    where tingkat_wilayah = 'kelurahan'
    window per_tahun as (partition by kode_pemda, tahun)

),

layanan as (

    select
        peringkat.*,
        case
            when peringkat.persentil_belanja is null then peringkat.persentil_cakupan
            when peringkat.persentil_cakupan is null then peringkat.persentil_belanja
            else (peringkat.persentil_belanja + peringkat.persentil_cakupan) / 2
        end as indeks_layanan,
        case
            when peringkat.persentil_belanja is not null and peringkat.persentil_cakupan is not null
                then 'belanja_dan_cakupan'
            when peringkat.persentil_cakupan is not null then 'cakupan_saja'
            when peringkat.persentil_belanja is not null then 'belanja_saja'
            else 'tidak_dinilai'
        end as dasar_penilaian_layanan
    from peringkat

),

kesenjangan as (

    select
        layanan.*,
        layanan.persentil_kebutuhan - layanan.indeks_layanan as kesenjangan,
        rank() over (
            partition by layanan.kode_pemda, layanan.tahun
            order by layanan.persentil_kebutuhan - layanan.indeks_layanan desc nulls last
        ) as peringkat_kesenjangan,
        coalesce(
            layanan.persentil_kebutuhan >= {{ ambang('kebutuhan_tinggi_persentil') }}
            and layanan.indeks_layanan <= {{ ambang('layanan_rendah_indeks') }},
            false
        ) as kurang_terlayani
    from layanan

),

final as (

    select
        cast(per_kapita.kode_pemda as varchar) as kode_pemda,
        cast(per_kapita.tahun as integer) as tahun,
        cast(per_kapita.kode_wilayah as varchar) as kode_wilayah,
        cast(per_kapita.tingkat_wilayah as varchar) as tingkat_wilayah,
        cast(per_kapita.nama_wilayah as varchar) as nama_wilayah,
        cast(per_kapita.kode_kecamatan as varchar) as kode_kecamatan,
        cast(per_kapita.nama_kecamatan as varchar) as nama_kecamatan,
        cast(per_kapita.jumlah_penduduk as bigint) as jumlah_penduduk,
        cast(per_kapita.persentase_penduduk_miskin as decimal(18, 4))
            as persentase_penduduk_miskin,
        cast(per_kapita.prevalensi_stunting as decimal(18, 4)) as prevalensi_stunting,
        cast(per_kapita.angka_partisipasi_sekolah as decimal(18, 4)) as angka_partisipasi_sekolah,
        cast(per_kapita.akses_fasilitas_kesehatan as decimal(18, 4)) as akses_fasilitas_kesehatan,
        cast(per_kapita.jumlah_indikator_kebutuhan as integer) as jumlah_indikator_kebutuhan,
        cast(per_kapita.indeks_kebutuhan as decimal(9, 4)) as indeks_kebutuhan,
        cast(kesenjangan.peringkat_kebutuhan as integer) as peringkat_kebutuhan,
        cast(per_kapita.belanja_rp as decimal(18, 2)) as belanja_rp,
        cast(per_kapita.belanja_per_kapita_rp as decimal(18, 2)) as belanja_per_kapita_rp,
        cast(per_kapita.belanja_seluruh_kota_per_kapita_rp as decimal(18, 2))
            as belanja_seluruh_kota_per_kapita_rp,
        cast(
            case
                when per_kapita.tingkat_wilayah = 'kelurahan'
                    then per_kapita.belanja_per_kapita_rp
                        + per_kapita.belanja_seluruh_kota_per_kapita_rp
                else per_kapita.belanja_seluruh_kota_per_kapita_rp
            end as decimal(18, 2)
        ) as belanja_per_kapita_termasuk_kota_rp,
        {% for nama in [
            'pelayanan_umum', 'ketertiban', 'ekonomi', 'lingkungan_hidup',
            'perumahan_fasilitas_umum', 'kesehatan', 'pariwisata', 'pendidikan',
            'perlindungan_sosial'
        ] -%}
            cast(
                case
                    when per_kapita.jumlah_penduduk > 0
                        then round(per_kapita.belanja_{{ nama }}_rp / per_kapita.jumlah_penduduk, 2)
                end as decimal(18, 2)
            ) as belanja_per_kapita_{{ nama }}_rp,
        {% endfor -%}
        cast(per_kapita.jumlah_penerima_bansos as integer) as jumlah_penerima_bansos,
        cast(per_kapita.nilai_bansos_rp as decimal(18, 2)) as nilai_bansos_rp,
        cast(per_kapita.cakupan_bansos_persen as decimal(9, 2)) as cakupan_bansos_persen,
        cast(per_kapita.alasan_bansos_disembunyikan as varchar) as alasan_bansos_disembunyikan,
        cast(per_kapita.nilai_bansos_daftar_kota_rp as decimal(18, 2))
            as nilai_bansos_daftar_kota_rp,
        cast(per_kapita.bansos_dibayar_program_berdaftar_rp as decimal(18, 2))
            as bansos_dibayar_program_berdaftar_rp,
        cast(per_kapita.bansos_dibayar_rp as decimal(18, 2)) as bansos_dibayar_kota_rp,
        cast(per_kapita.kelengkapan_daftar_bansos_persen as decimal(9, 2))
            as kelengkapan_daftar_bansos_persen,
        cast(kesenjangan.peringkat_belanja_per_kapita as integer) as peringkat_belanja_per_kapita,
        cast(kesenjangan.indeks_layanan as decimal(9, 4)) as indeks_layanan,
        cast(kesenjangan.kesenjangan as decimal(9, 4)) as kesenjangan,
        cast(kesenjangan.peringkat_kesenjangan as integer) as peringkat_kesenjangan,
        coalesce(kesenjangan.kurang_terlayani, false) as kurang_terlayani,
        cast(
            case
                when per_kapita.tingkat_wilayah = 'kelurahan'
                    then kesenjangan.dasar_penilaian_layanan
            end
            as varchar
        ) as dasar_penilaian_layanan,
        cast(
            case
                when per_kapita.tingkat_wilayah in ('kota', 'kabupaten')
                    then 'baris ' || per_kapita.jenis_pemda || ': belanja untuk seluruh '
                        || per_kapita.jenis_pemda || ' (kantor, layanan ' || per_kapita.jenis_pemda
                        || ', DPA tanpa lokasi kelurahan), Rp '
                        || {{ angka_id('per_kapita.belanja_seluruh_kota_per_kapita_rp') }}
                        || ' per penduduk; daftar penerima bansos memuat Rp '
                        || coalesce({{ angka_id('per_kapita.nilai_bansos_daftar_kota_rp') }}, '0')
                        || ' dari Rp '
                        || coalesce(
                            {{ angka_id('per_kapita.bansos_dibayar_program_berdaftar_rp') }}, '0'
                        )
                        || ' bansos yang dibayar (SP2D) untuk sub kegiatan yang sama'
                when kesenjangan.kurang_terlayani
                    then 'kebutuhan tinggi (peringkat ' || kesenjangan.peringkat_kebutuhan
                        || ' dari ' || kesenjangan.jumlah_kelurahan || ') dan '
                        || case
                            when kesenjangan.persentil_belanja is null
                                then 'cakupan bansos rendah ('
                                    || {{ angka_id('per_kapita.cakupan_bansos_persen', 1) }}
                                    || '% penduduk miskin ada di daftar Dinsos'
                                    || coalesce(
                                        ', yang memuat '
                                        || {{
                                            angka_id(
                                                'per_kapita.kelengkapan_daftar_bansos_persen', 1
                                            )
                                        }}
                                        || '% bansos yang dibayar',
                                        ''
                                    )
                                    || '); tidak ada belanja '
                                    || 'berlokasi khusus di kelurahan ini (seperti '
                                    || (kesenjangan.jumlah_kelurahan_belanja_nol - 1)
                                    || ' kelurahan lain), sehingga belanja tidak dipakai untuk '
                                    || 'peringkat: kelurahan ini tetap dilayani belanja seluruh '
                                    || per_kapita.jenis_pemda || ' Rp '
                                    || {{
                                        angka_id('per_kapita.belanja_seluruh_kota_per_kapita_rp')
                                    }}
                                    || ' per penduduk'
                            else 'belanja berlokasi per kapita Rp '
                                || {{ angka_id('per_kapita.belanja_per_kapita_rp') }}
                                || ' (peringkat ' || kesenjangan.peringkat_belanja_per_kapita
                                || ' dari ' || kesenjangan.jumlah_kelurahan
                                || ', ditambah belanja seluruh ' || per_kapita.jenis_pemda || ' Rp '
                                || {{ angka_id('per_kapita.belanja_seluruh_kota_per_kapita_rp') }}
                                || ' per penduduk) dan cakupan bansos '
                                || coalesce(
                                    {{ angka_id('per_kapita.cakupan_bansos_persen', 1) }} || '%',
                                    '-'
                                )
                        end
                when kesenjangan.dasar_penilaian_layanan = 'tidak_dinilai'
                    then 'layanan tidak dinilai: tidak ada belanja berlokasi khusus dan tidak ada '
                        || 'cakupan bansos yang dapat diperingkat; kelurahan ini dilayani belanja '
                        || 'seluruh ' || per_kapita.jenis_pemda || ' Rp '
                        || {{ angka_id('per_kapita.belanja_seluruh_kota_per_kapita_rp') }}
                        || ' per penduduk'
                when per_kapita.jumlah_indikator_kebutuhan = 0
                    then 'tidak ada data indikator kebutuhan untuk tahun ini'
            end as varchar
        ) as alasan,
        cast(per_kapita.sumber_sha256 as varchar) as sumber_sha256
    from per_kapita
    left join kesenjangan
        on
            per_kapita.kode_pemda = kesenjangan.kode_pemda
            and per_kapita.tahun = kesenjangan.tahun
            and per_kapita.kode_wilayah = kesenjangan.kode_wilayah

)

select * from final
